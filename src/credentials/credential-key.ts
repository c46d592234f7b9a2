// The credential cache key: every field of an AssumeRole request, since each changes the credentials.
// Role ARN, session name and duration stay readable for status pages; the external id (a secret), the
// policy, the session tags, transitive keys and SourceIdentity (long) enter only through a keyed digest,
// so a key can be shown or logged safely.
import { createHmac, randomBytes } from 'node:crypto';
import type { AssumeRoleRequest } from '../roles/assume-request.js';

// Per process: keys never outlive the process, and a digest of a short external id cannot be reversed
// by trying candidates without this secret.
const DIGEST_KEY = randomBytes(32);

export function credentialKey(request: AssumeRoleRequest): string {
  const digest = createHmac('sha256', DIGEST_KEY)
    .update(
      JSON.stringify([
        request.externalId ?? null,
        request.policy ?? null,
        request.tags?.map((tag) => [tag.key, tag.value]) ?? null,
        request.transitiveTagKeys ?? null,
        request.sourceIdentity ?? null,
      ]),
    )
    .digest('base64url')
    .slice(0, 22);
  return `${request.roleArn}|${request.sessionName}|${request.durationSeconds}|${digest}`;
}
