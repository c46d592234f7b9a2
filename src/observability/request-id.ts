// X-Request-ID: the caller's own if it is sane, else ours — a per-process random prefix and a counter,
// unique enough to find a request in the logs without a random draw per request.
import { randomBytes } from 'node:crypto';

const VALID_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

export function createRequestIdGenerator(prefix: string = randomBytes(4).toString('hex')): () => string {
  let counter = 0;
  return () => `${prefix}-${(++counter).toString(36)}`;
}

/** Bounded length, no spaces or control characters: safe to echo in a header and to log. */
export function isValidRequestId(value: unknown): value is string {
  return typeof value === 'string' && VALID_REQUEST_ID.test(value);
}
