// Helpers for the role a workload asks for (RoleBinding), shared by every identity source.
import type { RoleBinding } from './workload.js';

/**
 * Compact JSON text of a session policy given as a JSON object (mapping file) or JSON text (env, labels),
 * or an Error saying why it is not one (never quoting it). One compact form keeps equal policies equal in
 * the credential cache key.
 */
export function compactPolicy(value: unknown): string | Error {
  let document = value;
  if (typeof value === 'string') {
    try {
      document = JSON.parse(value);
    } catch {
      return new Error('policy is not valid JSON');
    }
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    return new Error('policy must be a JSON object');
  }
  return JSON.stringify(document);
}

/** Same credentials would be asked for: listeners (prefetch) only hear about real changes. */
export function sameRole(a: RoleBinding | undefined, b: RoleBinding | undefined): boolean {
  return a?.spec === b?.spec && a?.externalId === b?.externalId && a?.sessionName === b?.sessionName && a?.policy === b?.policy;
}
