// The STS RoleSessionName of a workload's credentials. It shows up in CloudTrail and in the assumed-role
// ARN, and it is part of the credential cache key: workloads that share a role and a session name share
// one set of credentials (and one STS call per refresh).
import type { RoleBinding, Workload } from '../identity/workload.js';
import type { SessionKeySource } from '../config/role-session-key.js';

/**
 * Used when nothing names a session. Deliberately the same for every workload, as in lyft's and
 * go-metadataproxy's fixed defaults: a per-container default would multiply STS calls by the number of
 * containers sharing a role. ROLE_SESSION_KEY or a binding's session name gives per-workload names.
 */
export const DEFAULT_SESSION_NAME = 'metadataproxy';

const MIN_LENGTH = 2;
const MAX_LENGTH = 64;
const INVALID_CHARS = /[^\w+=,.@-]/g;

/** STS allows [\w+=,.@-], 2–64 characters: other characters become `_`, the rest is cut. */
export function sanitizeSessionName(raw: string): string | undefined {
  const cleaned = raw.trim().replace(INVALID_CHARS, '_').slice(0, MAX_LENGTH);
  return cleaned.length >= MIN_LENGTH ? cleaned : undefined;
}

function readKey(workload: Workload | undefined, key: SessionKeySource): string | undefined {
  const label = key.from === 'env' ? undefined : workload?.labels?.[key.name];
  return label ?? (key.from === 'labels' ? undefined : workload?.env?.[key.name]);
}

/**
 * The binding's explicit session name wins, then the value ROLE_SESSION_KEY points at, then the fallback.
 * Values that sanitize to fewer than 2 characters are skipped rather than padded.
 */
export function sessionNameFor(
  workload: Workload | undefined,
  binding: RoleBinding | undefined,
  roleSessionKey: SessionKeySource | undefined,
  fallback: string = DEFAULT_SESSION_NAME,
): string {
  const candidates = [binding?.sessionName, roleSessionKey === undefined ? undefined : readKey(workload, roleSessionKey)];
  for (const candidate of candidates) {
    const name = candidate === undefined ? undefined : sanitizeSessionName(candidate);
    if (name !== undefined) return name;
  }
  return sanitizeSessionName(fallback) ?? DEFAULT_SESSION_NAME;
}
