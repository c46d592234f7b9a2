// Helpers for the role a workload asks for (RoleBinding), shared by every identity source.
import type { RoleBinding } from './workload.js';
import { sameSession } from '../config/session-parameters.js';

/** Same credentials would be asked for: listeners (prefetch) only hear about real changes. */
export function sameRole(a: RoleBinding | undefined, b: RoleBinding | undefined): boolean {
  return (
    a?.spec === b?.spec &&
    a?.externalId === b?.externalId &&
    a?.sessionName === b?.sessionName &&
    a?.policy === b?.policy &&
    a?.refusal === b?.refusal &&
    sameSession(a?.session, b?.session)
  );
}
