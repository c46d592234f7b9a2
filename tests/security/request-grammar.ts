// fast-check grammar of hostile IMDS requests: real metadata paths and their host-only neighbours, bent
// with dot segments, encoded and double-encoded separators, backslashes, NUL and other control characters,
// unicode, case changes, absolute-form targets and trailing junk; host-only names decorated with suffix
// characters, `;` parameters, lookalikes (fullwidth, dotless i, zero-width) or placed in the query; every method a client might send; token,
// TTL and X-Forwarded-For headers in good and bad shapes; mapped and unmapped callers.
import fc from 'fast-check';

/** Which token a request carries; resolved against real tokens when it is sent. */
export type TokenChoice = 'none' | 'own' | 'other-caller' | 'garbage' | 'empty';

export interface FuzzRequest {
  caller: string;
  method: string;
  target: string;
  token: TokenChoice;
  headers: Record<string, string>;
}

export const MAPPED_CALLERS = ['127.0.0.2', '127.0.0.3'] as const;
export const UNMAPPED_CALLER = '127.0.0.9';

const VERSIONS = ['latest', '2021-03-23', '2012-01-12', '2009-04-04', '1.0', 'LATEST', 'nonsense'];

/** Real IMDS paths, with the host-only ones most represented: they are what must never leak. */
const REAL_PATHS = [
  '/{v}/meta-data/iam/security-credentials/',
  '/{v}/meta-data/iam/security-credentials/reader',
  '/{v}/meta-data/iam/security-credentials/writer',
  '/{v}/meta-data/iam/security-credentials',
  '/{v}/meta-data/iam/info',
  '/{v}/meta-data/iam/',
  '/{v}/meta-data/identity-credentials/ec2/security-credentials/ec2-instance',
  '/{v}/meta-data/identity-credentials/ec2/info',
  '/{v}/meta-data/instance-id',
  '/{v}/meta-data/placement/availability-zone',
  '/{v}/dynamic/instance-identity/document',
  '/{v}/user-data',
  '/{v}/api/token',
  '/',
];

const SEGMENTS = [
  'latest', '2021-03-23', 'meta-data', 'META-DATA', 'dynamic', 'user-data', 'iam', 'IAM', 'Iam', 'info',
  'security-credentials', 'reader', 'writer', 'identity-credentials', 'Identity-Credentials', 'ec2', 'ec2-instance',
  'instance-id', 'api', 'token', 'tags', '', '.', '..', '...', '%2e', '%2E%2e', '.%2e', '%2e.', '%2f', '%2F', '%252f',
  '%252e%252e', '%5c', '%5C..', '\\', '..\\', '%00', '%0a', '%0d%0a', '%69am', '%2569am', 'i%61m', '%49AM', '%ff',
  '%C3%A9', '\u00e9', '\u65e5\u672c', '%', '%%', '%zz', ';', 'iam;x', 'iam%00', 'iam%20', 'iam.', '~', '*', ' ',
  '\u0000', '\t', 'identity-credentials%2f..', '%2e%2e%2fiam',
];

const PREFIXES = ['', '', '', '', '', '', '', '', '', '//', 'http://169.254.169.254', 'HTTP://evil.example:80', 'http://x', '*', 'latest'];
const SEPARATORS = ['/', '/', '/', '/', '/', '/', '/', '/', '/', '/', '//', '/./', '/../', '\\', '/%2f', '/%2F', '/%5c', '/%252f'];
const TAILS = ['', '', '', '', '', '', '', '', '/', '/', '//', '/.', '/..', '/%2e%2e', '%00', '#x', '/junk', '/reader/', '/..;/', ' HTTP/1.1'];
const QUERIES = ['', '', '', '', '', '', '', '?x=1', '?/../iam/security-credentials/', '?%2f..%2fidentity-credentials', '?a=%00', '?', '?#'];

type Encoding = 'plain' | 'once' | 'twice' | 'slashes';

/** Percent-encodes the characters whose flag is 0 (once or twice, any case); `slashes` encodes slashes too. */
function encodeSome(path: string, encoding: Encoding, flags: readonly number[]): string {
  if (encoding === 'plain') return path;
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!;
    const flag = flags[i % flags.length]!;
    const encode = flag === 0 && (c !== '/' || encoding === 'slashes');
    const hex = c.charCodeAt(0).toString(16).padStart(2, '0');
    out += !encode ? c : encoding === 'twice' ? `%25${hex}` : `%${i % 2 === 0 ? hex : hex.toUpperCase()}`;
  }
  return out;
}

const realTarget = fc
  .tuple(
    fc.constantFrom(...REAL_PATHS),
    fc.constantFrom(...VERSIONS),
    fc.constantFrom<Encoding>('plain', 'plain', 'once', 'once', 'once', 'twice', 'slashes'),
    fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 40 }),
  )
  .map(([template, version, encoding, flags]) => encodeSome(template.replace('{v}', version), encoding, flags));

const composedTarget = fc
  .array(fc.tuple(fc.constantFrom(...SEPARATORS), fc.constantFrom(...SEGMENTS)), { minLength: 1, maxLength: 8 })
  .map((parts) => parts.map(([sep, seg]) => sep + seg).join(''));

/** Spellings of a host-only name that a lax server might read as the name itself (issue 12). */
const HOST_NAMES = [
  'iam', 'IAM', 'Iam', 'iAm', '%69am', '%49%41%4d', '%2569am', 'identity-credentials', 'IDENTITY-CREDENTIALS',
  '%69dentity-credentials', 'identity%2dcredentials',
  // lookalikes: fullwidth, dotless and dotted capital i, a zero-width space inside; raw and encoded
  '\uff49\uff41\uff4d', '%EF%BD%89%EF%BD%81%EF%BD%8D', '\u0131am', '%C4%B1am', '\u0130AM', '%C4%B0AM',
  'i\u200bam', 'i%E2%80%8Bam', 'ia%C2%ADm', '\uff29\uff21\uff2d',
];
/** What may follow the name inside its segment: parameters, dots, escapes, zero-width and fullwidth characters. */
const NAME_SUFFIXES = [
  '', ';', ';x=1', ';jsessionid=1', '.', '..', '...', '%20', '%3b', '%3B', '~', '@', '+', '-', '_', 'x', '%00', '%09',
  '%2e', '\u200b', '%E2%80%8B', '%EF%BB%BF', '\u3002', '%EF%BC%8E', '!', '$', '&', "'", '(', ')', '*', ',', '=', ':',
  '%7e', ' ', '%C2%A0', '\u00a0',
];
/** Separators around the name, including the fullwidth solidus and encoded forms. */
const NAME_SEPARATORS = ['/', '/', '/', '/', '\uff0f', '%EF%BC%8F', '//', '/./', ';/', '%2f', '\\'];
const NAME_PARENTS = ['/latest/meta-data', '/2021-03-23/meta-data', '/latest', '', '/latest/dynamic', '/LATEST/META-DATA'];
const NAME_CHILDREN = ['', '/', '/info', '/security-credentials/', '/security-credentials/reader', '/ec2/security-credentials/ec2-instance', '/ec2/info'];

const decoratedTarget = fc
  .tuple(
    fc.constantFrom(...NAME_PARENTS),
    fc.constantFrom(...NAME_SEPARATORS),
    fc.constantFrom(...HOST_NAMES),
    fc.constantFrom(...NAME_SUFFIXES),
    fc.constantFrom(...NAME_CHILDREN),
  )
  .map(([parent, sep, name, suffix, child]) => parent + sep + name + suffix + child);

/** A harmless path with a host-only name in its query, plainly or encoded. */
const QUERY_NAMES = ['?iam', '?IAM', '?x=iam', '?x=/latest/meta-data/iam/security-credentials/', '?identity-credentials', '?x=%69am',
  '?x=%2569am', '?\uff49\uff41\uff4d', '?a=1&b=Identity-Credentials', '?iam;', '?x=i%E2%80%8Bam', '?path=iam%2finfo'];
const queryPlacedTarget = fc
  .tuple(fc.constantFrom('/latest/meta-data/instance-id', '/latest/user-data', '/', '/latest/meta-data/', '/latest/dynamic/instance-identity/document'), fc.constantFrom(...QUERY_NAMES))
  .map(([path, query]) => path + query);

const target = fc
  .tuple(
    fc.constantFrom(...PREFIXES),
    fc.oneof(
      { arbitrary: realTarget, weight: 4 },
      { arbitrary: composedTarget, weight: 1 },
      { arbitrary: decoratedTarget, weight: 3 },
      { arbitrary: queryPlacedTarget, weight: 1 },
    ),
    fc.constantFrom(...TAILS),
    fc.constantFrom(...QUERIES),
  )
  .map(([prefix, path, tail, query]) => prefix + path + tail + query);

const method = fc.constantFrom(...Array<string>(8).fill('GET'), 'HEAD', 'HEAD', 'PUT', 'PUT', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'get');

const optionalHeader = (name: string, values: string[]) =>
  fc.option(fc.constantFrom(...values), { freq: 2 }).map((value): Record<string, string> => (value === null ? {} : { [name]: value }));

const headers = fc
  .tuple(
    optionalHeader('x-aws-ec2-metadata-token-ttl-seconds', ['21600', '1', '60', '0', '-1', '21601', '60.5', 'abc', '', '1e3']),
    optionalHeader('x-forwarded-for', ['10.0.0.1', '127.0.0.2', '']),
    optionalHeader('host', ['169.254.169.254', 'evil.example', '']),
    optionalHeader('x-request-id', ['abc', '../../etc', 'x'.repeat(300)]),
  )
  .map((parts) => Object.assign({}, ...parts) as Record<string, string>);

export const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc.record({
  caller: fc.constantFrom(...MAPPED_CALLERS, UNMAPPED_CALLER),
  method,
  target,
  token: fc.constantFrom<TokenChoice>('none', 'none', 'own', 'own', 'other-caller', 'garbage', 'empty'),
  headers,
});

/** What node's HTTP client refuses to send (it checks the path and method); those go over a raw socket. */
export function needsRawSocket(request: FuzzRequest): boolean {
  return !/^[\x21-\xff]*$/.test(request.target) || request.method !== request.method.toUpperCase();
}
