// Builds /status and /readyz from the running parts: identity (who is calling), the caller service
// (which role each gets) and the credential cache (expiry and last error per credential key).
import type { Workload } from '../identity/workload.js';
import type { CacheEntryStatus } from '../credentials/cache.js';
import type { AssumeRoleRequest } from '../credentials/types.js';
import type { CallerStatus, StatusReport } from './status-report.js';
import type { Readiness } from './admin-server.js';

export interface StatusInputs {
  entries(): Iterable<[string, Workload]>;
  /** The workload's role if already resolved (never starts a resolution). */
  peekRole(workload: Workload): { roleArn: string; request: AssumeRoleRequest } | undefined;
  keyOf(request: AssumeRoleRequest): string;
  /** Why the workload's request was refused before any call (invalid session tags and the like). */
  refusalOf?(workload: Workload): string | undefined;
  cacheEntries(): CacheEntryStatus[];
  now(): Date;
}

export function buildStatusReport(inputs: StatusInputs): StatusReport {
  const byKey = new Map(inputs.cacheEntries().map((entry) => [entry.key, entry]));
  const callers: CallerStatus[] = [];
  for (const [caller, workload] of inputs.entries()) {
    const role = inputs.peekRole(workload);
    const entry = role === undefined ? undefined : byKey.get(inputs.keyOf(role.request));
    const request = role?.request;
    const refusal = inputs.refusalOf?.(workload);
    callers.push({
      caller,
      source: workload.source,
      container: workload.name,
      ...(workload.source === 'docker' && { containerId: workload.id }),
      ...((role?.roleArn ?? workload.role?.spec) !== undefined && { role: role?.roleArn ?? workload.role?.spec }),
      ...(request?.tags !== undefined && { sessionTags: Object.fromEntries(request.tags.map((tag) => [tag.key, tag.value])) }),
      ...(request?.transitiveTagKeys !== undefined && { transitiveTagKeys: [...request.transitiveTagKeys] }),
      ...(request?.sourceIdentity !== undefined && { sourceIdentity: request.sourceIdentity }),
      ...(request !== undefined && { durationSeconds: request.durationSeconds }),
      ...(entry?.expiration !== undefined && { expiresAt: entry.expiration }),
      ...(entry?.lastError !== undefined && { lastError: `${entry.lastError.code}: ${entry.lastError.message}` }),
      ...(refusal !== undefined && { lastError: `InvalidSessionParameters: ${refusal}` }),
    });
  }
  callers.sort((a, b) => a.caller.localeCompare(b.caller, 'en', { numeric: true }));
  return { generatedAt: inputs.now().toISOString(), callers };
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
