// The one spelling of a request target that routing, deny/allow lists and the upstream all see. Every
// path trick (`..`, `%2e`, `//`, encoded slashes, double encoding) is either resolved here or refused, so
// no other module has to think about it.
//
// Rules (documented in docs/imdsv2.md):
// - percent-escapes are decoded exactly once; a decoded `/`, `\`, `%` or control character is refused,
//   so a segment can never turn into a path separator or a second round of decoding further on;
// - `.` and `..` segments are resolved, never above the root; empty segments (`//`) are dropped;
// - a literal `\`, a raw byte outside visible ASCII, a fragment or malformed UTF-8 is refused;
// - the result is re-encoded canonically, starts with `/` and keeps a trailing slash if the target had one;
// - the query string is kept apart, verbatim, and never takes part in routing.

export type NormalizedTarget = { ok: true; path: string; query: string } | { ok: false; status: 400 | 414 };

/** Longest request target (path and query) accepted; IMDS paths are short, long ones are probes. */
export const DEFAULT_MAX_TARGET_LENGTH = 1024;

const BAD_REQUEST: NormalizedTarget = { ok: false, status: 400 };
const URI_TOO_LONG: NormalizedTarget = { ok: false, status: 414 };

/** Already canonical: non-empty segments of plain characters, none of them `.` or `..`. The hot path. */
const CANONICAL_PATH = /^(?:\/(?!\.\.?(?:\/|$))[A-Za-z0-9\-._~!$&'()*+,;=:@]+)*\/?$/;
/** Visible ASCII minus `#`: anything else in a request target is refused. */
const TARGET_CHARS = /^[\x21\x22\x24-\x7e]*$/;
const ABSOLUTE_FORM = /^https?:\/\/[^/?]*/i;
const REFUSED_AFTER_DECODING = /[/\\%\x00-\x1f\x7f]/;
const NEEDS_ENCODING = /[^A-Za-z0-9\-._~!$&'()*+,;=:@]/gu;

export function normalizeTarget(rawUrl: string, maxLength: number = DEFAULT_MAX_TARGET_LENGTH): NormalizedTarget {
  if (rawUrl.length > maxLength) return URI_TOO_LONG;
  if (!TARGET_CHARS.test(rawUrl)) return BAD_REQUEST;
  const q = rawUrl.indexOf('?');
  let path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = q < 0 ? '' : rawUrl.slice(q + 1);
  if (path.charCodeAt(0) !== 0x2f) {
    // Absolute form (`GET http://host/path`): the host part is ignored, the caller is the socket's address.
    const authority = ABSOLUTE_FORM.exec(path);
    if (authority === null) return BAD_REQUEST;
    path = path.slice(authority[0].length) || '/';
    if (path.charCodeAt(0) !== 0x2f) return BAD_REQUEST;
  }
  if (CANONICAL_PATH.test(path)) return { ok: true, path, query };
  const canonical = canonicalPath(path);
  return canonical === undefined ? BAD_REQUEST : { ok: true, path: canonical, query };
}

function canonicalPath(path: string): string | undefined {
  if (path.includes('\\')) return undefined;
  const raw = path.split('/');
  const kept: string[] = [];
  let trailingSlash = false;
  for (let i = 1; i < raw.length; i++) {
    const segment = decodeSegment(raw[i]!);
    if (segment === undefined) return undefined;
    const last = i === raw.length - 1;
    if (segment === '' || segment === '.') {
      trailingSlash = last;
    } else if (segment === '..') {
      kept.pop();
      trailingSlash = last;
    } else {
      kept.push(segment.replace(NEEDS_ENCODING, encodeURIComponent));
      trailingSlash = false;
    }
  }
  if (kept.length === 0) return '/';
  return '/' + kept.join('/') + (trailingSlash ? '/' : '');
}

function decodeSegment(segment: string): string | undefined {
  if (!segment.includes('%')) return segment;
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    return undefined; // a malformed escape or bytes that are not UTF-8
  }
  return REFUSED_AFTER_DECODING.test(decoded) ? undefined : decoded;
}
