// SOURCE_IDENTITY_KEY: where a workload's STS SourceIdentity comes from, shaped like ROLE_SESSION_KEY
// (`Env:NAME`, `Labels:NAME`, a bare NAME for the label then the variable) plus two words of its own:
// `Name` (the container's name) and `Image` (its image). SourceIdentity is fixed for the session's life
// and passes on to every role assumed with it, so CloudTrail names the container behind each call.
import type { Workload } from '../identity/workload.js';
import { parseRoleSessionKey, type SessionKeySource } from '../config/role-session-key.js';
import { sanitizeSessionName } from './session-name.js';

export type SourceIdentityKey = SessionKeySource | { from: 'name' | 'image' };

export function parseSourceIdentityKey(text: string): SourceIdentityKey {
  const word = text.trim().toLowerCase();
  if (word === 'name' || word === 'image') return { from: word };
  return parseRoleSessionKey(text);
}

/**
 * The value SOURCE_IDENTITY_KEY points at. A value someone wrote (env, label) is passed on as written, so
 * a bad one is refused with its reason; a container's name or image is made to fit ([\w+=,.@-], 2-64
 * characters), since `registry:5000/app:1.2` is a fine image but not a SourceIdentity.
 */
export function sourceIdentityOf(workload: Workload | undefined, key: SourceIdentityKey): string | undefined {
  switch (key.from) {
    case 'name':
      return workload === undefined ? undefined : sanitizeSessionName(workload.name);
    case 'image':
      return workload?.image === undefined ? undefined : sanitizeSessionName(workload.image);
    case 'env':
      return nonEmpty(workload?.env?.[key.name]);
    case 'labels':
      return nonEmpty(workload?.labels?.[key.name]);
    case 'labels-then-env':
      return nonEmpty(workload?.labels?.[key.name]) ?? nonEmpty(workload?.env?.[key.name]);
  }
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text.trim() === '' ? undefined : text;
}
