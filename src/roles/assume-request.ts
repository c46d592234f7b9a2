// A workload's role binding, resolved, becomes the AssumeRole request its credentials come from.
import type { RoleBinding, Workload } from '../identity/workload.js';
import type { AssumeRoleRequest } from '../credentials/types.js';
import type { ResolvedRole } from './resolver.js';
import { sessionNameFor, type SessionKeySource } from './session-name.js';

export interface AssumeRoleSettings {
  /** Session policy for bindings without one of their own. */
  defaultPolicy?: string;
  roleDurationSeconds: number;
  /** Parsed ROLE_SESSION_KEY (parseRoleSessionKey). */
  roleSessionKey?: SessionKeySource;
  /** Session name when nothing else gives one; DEFAULT_SESSION_NAME if left out. */
  defaultSessionName?: string;
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text.trim() === '' ? undefined : text;
}

export function buildAssumeRoleRequest(
  workload: Workload | undefined,
  binding: RoleBinding,
  role: Pick<ResolvedRole, 'arn'>,
  settings: AssumeRoleSettings,
): AssumeRoleRequest {
  const externalId = nonEmpty(binding.externalId);
  const policy = nonEmpty(binding.policy) ?? nonEmpty(settings.defaultPolicy);
  return {
    roleArn: role.arn,
    sessionName: sessionNameFor(workload, binding, settings.roleSessionKey, settings.defaultSessionName),
    durationSeconds: settings.roleDurationSeconds,
    ...(externalId !== undefined && { externalId }),
    ...(policy !== undefined && { policy }),
  };
}
