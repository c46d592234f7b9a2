// The one rule for what may reach the real IMDS, which answers with the host's own credentials under
// `iam` and `identity-credentials`. An allow-list, not a deny-list: whether IMDS strips `;` parameters,
// trailing dots or normalizes Unicode is unknown, so anything outside its own alphabet stays here.
//
// Works on a path already normalized by server/normalize.ts (decoded once, re-encoded canonically), so
// a percent-escape left in it decodes to something outside the alphabet and is refused as such.
// - every segment: ASCII letters, digits, `-`, `_`, `.`; an instance tag key (`meta-data/tags/instance/KEY`)
//   may also hold `+ = , : @`, the characters EC2 allows in tag keys exposed to IMDS;
// - the query: ASCII letters, digits, `-`, `_`, `.`, `=`, `&`, or nothing;
// - neither may contain `iam` or `identity-credentials` in any case: a segment that merely starts with
//   one (`iam;`, `iam.`, `IAM~`) is a probe, and forbidding the substring keeps the rule one line.

/** 400: not IMDS's alphabet; 404: names the host's own credentials. */
export type UpstreamRefusal = 400 | 404;

const SEGMENTS = /^(?:\/[A-Za-z0-9._-]+)*\/?$/;
const TAG_KEY_PATH = /^\/[^/]+\/meta-data\/tags\/instance\/[A-Za-z0-9._+=,:@-]+$/;
const QUERY = /^[A-Za-z0-9._=&-]*$/;
const HOST_ONLY_NAME = /iam|identity-credentials/i;

/** Whether a name refers to the host's own credentials area (any case, any decoration after it). */
export function namesHostCredentials(text: string): boolean {
  return HOST_ONLY_NAME.test(text);
}

/** Undefined when `path` (normalized) and `query` (raw, without `?`) may go upstream, else the status to answer. */
export function upstreamRefusal(path: string, query: string): UpstreamRefusal | undefined {
  if (namesHostCredentials(path) || namesHostCredentials(query)) return 404;
  if (!SEGMENTS.test(path) && !TAG_KEY_PATH.test(path)) return 400;
  return QUERY.test(query) ? undefined : 400;
}
