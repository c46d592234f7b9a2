// Builds /status and /readyz from the running parts: identity (who is calling), the caller service
// (which role each gets) and the credential cache (expiry and last error per credential key).
import type { Workload } from '../identity/workload.js';
import type { CacheEntryStatus } from '../credentials/cache.js';
import type { AssumeRoleRequest } from '../roles/assume-request.js';
import type { CallerStatus, ProxyStatus, StatusReport } from './status-report.js';
import type { Readiness } from './admin-server.js';

export interface StatusInputs {
  entries(): Iterable<[string, Workload]>;
  /** The workload's role (undefined: an unknown caller's) if already resolved (never starts a resolution). */
  peekRole(workload: Workload | undefined): { roleArn: string; request: AssumeRoleRequest } | undefined;
  /** The spec a workload is served by, whether it is the default, and why it last failed to resolve. */
  bindingOf(workload: Workload | undefined): { spec: string; isDefault: boolean; lastError?: string } | undefined;
  /** Addresses no identity source knows that were served by the default role. */
  defaultRoleCallers(): Iterable<string>;
  keyOf(request: AssumeRoleRequest): string;
  /** Why the workload's request was refused before any call (invalid session tags and the like). */
  refusalOf?(workload: Workload): string | undefined;
  cacheEntries(): CacheEntryStatus[];
  now(): Date;
  proxy?: ProxyStatus;
}

export function buildStatusReport(inputs: StatusInputs): StatusReport {
  const byKey = new Map(inputs.cacheEntries().map((entry) => [entry.key, entry]));
  const row = (caller: string, workload: Workload | undefined): CallerStatus => {
    const role = inputs.peekRole(workload);
    const binding = inputs.bindingOf(workload);
    const entry = role === undefined ? undefined : byKey.get(inputs.keyOf(role.request));
    const request = role?.request;
    const refusal = workload === undefined ? undefined : inputs.refusalOf?.(workload);
    const lastError =
      refusal !== undefined
        ? `InvalidSessionParameters: ${refusal}`
        : entry?.lastError !== undefined
          ? `${entry.lastError.code}: ${entry.lastError.message}`
          : role === undefined
            ? binding?.lastError
            : undefined;
    return {
      caller,
      source: workload?.source ?? 'unknown',
      container: workload?.name ?? '-',
      ...(workload?.source === 'docker' && { containerId: workload.id }),
      ...((role?.roleArn ?? binding?.spec) !== undefined && { role: role?.roleArn ?? binding?.spec }),
      ...(request?.tags !== undefined && { sessionTags: Object.fromEntries(request.tags.map((tag) => [tag.key, tag.value])) }),
      ...(request?.transitiveTagKeys !== undefined && { transitiveTagKeys: [...request.transitiveTagKeys] }),
      ...(request?.sourceIdentity !== undefined && { sourceIdentity: request.sourceIdentity }),
      ...(request !== undefined && { durationSeconds: request.durationSeconds }),
      ...(entry?.expiration !== undefined && { expiresAt: entry.expiration }),
      ...(lastError !== undefined && { lastError }),
      ...(binding?.isDefault === true && { defaultRole: true as const }),
    };
  };
  const callers: CallerStatus[] = [];
  const known = new Set<string>();
  for (const [caller, workload] of inputs.entries()) {
    known.add(caller);
    callers.push(row(caller, workload));
  }
  for (const caller of inputs.defaultRoleCallers()) if (!known.has(caller)) callers.push(row(caller, undefined));
  callers.sort((a, b) => a.caller.localeCompare(b.caller, 'en', { numeric: true }));
  return { generatedAt: inputs.now().toISOString(), ...(inputs.proxy !== undefined && { proxy: inputs.proxy }), callers };
}

export interface ReadinessInputs {
  identityReady: boolean;
  identityDetail?: string;
  /** STS answered at least once, or has not been needed yet. */
  sts: { ok: boolean; detail: string };
}

export function buildReadiness({ identityReady, identityDetail, sts }: ReadinessInputs): Readiness {
  const checks = {
    config: { ok: true, detail: 'loaded' },
    identity: { ok: identityReady, ...(identityDetail !== undefined && { detail: identityDetail }) },
    sts,
  };
  return { ready: Object.values(checks).every((c) => c.ok), checks };
}
