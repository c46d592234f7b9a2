// Which requests are ours. Works on a path that the gate has already normalized.
//
// Everything below `{version}/meta-data/iam` is ours for every version string, known or not, and any
// `meta-data` area that names the host's credentials (upstream/upstream-path.ts) answers 404 here.
import { namesHostCredentials } from '../upstream/upstream-path.js';

export type Route =
  | { kind: 'iam-listing' }
  | { kind: 'iam-info' }
  | { kind: 'credentials-redirect'; location: string }
  | { kind: 'credentials-list' }
  | { kind: 'credentials'; role: string }
  | { kind: 'not-found' }
  | { kind: 'passthrough' };

/** The first API version that has IAM roles; older versions are passed through, except for IAM paths. */
const FIRST_IAM_VERSION = '2012-01-12';
const VERSION_DATE = /^\d{4}-\d{2}-\d{2}$/;

const PASSTHROUGH: Route = { kind: 'passthrough' };
const NOT_FOUND: Route = { kind: 'not-found' };
const IAM_LISTING: Route = { kind: 'iam-listing' };
const IAM_INFO: Route = { kind: 'iam-info' };
const CREDENTIALS_LIST: Route = { kind: 'credentials-list' };

export function isIamVersion(version: string): boolean {
  return version === 'latest' || (VERSION_DATE.test(version) && version >= FIRST_IAM_VERSION);
}

/** Where nearly every request goes: SDKs ask for `latest` credentials. */
const LATEST_CREDENTIALS = '/latest/meta-data/iam/security-credentials/';

export function routeOf(path: string): Route {
  // The hot path, without splitting: exactly what the general rules below give for these two shapes.
  if (path.startsWith(LATEST_CREDENTIALS)) {
    if (path.length === LATEST_CREDENTIALS.length) return CREDENTIALS_LIST;
    if (path.indexOf('/', LATEST_CREDENTIALS.length) < 0) return { kind: 'credentials', role: path.slice(LATEST_CREDENTIALS.length) };
  }
  // '/latest/meta-data/iam/security-credentials/app' → ['', 'latest', 'meta-data', 'iam', …]
  const segments = path.split('/');
  const version = segments[1] ?? '';
  const section = segments[2]?.toLowerCase();
  const area = segments[3];
  if (section !== 'meta-data' || area === undefined || !namesHostCredentials(area)) return PASSTHROUGH;
  if (area !== 'iam' || segments[2] !== 'meta-data' || !isIamVersion(version)) return NOT_FOUND;

  const sub = segments[4];
  if (sub === undefined || sub === '') return segments.length <= 5 ? IAM_LISTING : NOT_FOUND;
  if (sub === 'info') return segments.length === 5 ? IAM_INFO : NOT_FOUND;
  if (sub !== 'security-credentials') return NOT_FOUND;
  if (segments.length === 5) {
    return { kind: 'credentials-redirect', location: `/${version}/meta-data/iam/security-credentials/` };
  }
  const role = segments[5]!;
  if (role === '') return segments.length === 6 ? CREDENTIALS_LIST : NOT_FOUND;
  // `{role}` and `{role}/` are the credentials; deeper paths are still ours and answer 404.
  if (segments.length === 6 || (segments.length === 7 && segments[6] === '')) return { kind: 'credentials', role };
  return NOT_FOUND;
}
