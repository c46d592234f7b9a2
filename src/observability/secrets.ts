// The last line of defence against credentials in logs: whatever reaches a log line passes through here,
// so a secret logged by mistake, at any depth, under any spelling of a known key, comes out redacted.
export const REDACTED = '[redacted]';

const SECRET_KEY = /secret|password|passwd|authorization|externalid|licen[cs]e|privatekey|apikey|cookie|token$/;
/** Credential fields inside text (a serialized IMDS body, an error message quoting one). */
const SECRET_IN_TEXT =
  /("?\b(?:(?:aws_)?secret_access_key|SecretAccessKey|secretAccessKey|Token|SessionToken|sessionToken|(?:aws_)?session_token|ExternalId|externalId|external_id|[Xx]-aws-ec2-metadata-token|[Xx]-[Aa]mz-[Ss]ecurity-[Tt]oken)"?\s*[:=]\s*)("[^"]*"|[^\s,}&]+)/g;
const MAX_DEPTH = 8;

/** `secretAccessKey`, `SECRET_ACCESS_KEY`, `x-aws-ec2-metadata-token`, `Token`, … but not `httpTokens`. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key.toLowerCase().replace(/[-_]/g, ''));
}

export function scrubText(text: string): string {
  return text.includes(':') || text.includes('=') ? text.replace(SECRET_IN_TEXT, `$1${REDACTED}`) : text;
}

/** A redacted copy (never mutates its input: the caller may still need the real credentials). */
export function scrubSecrets(value: unknown): unknown {
  return scrub(value, 0, new WeakSet());
}

function scrub(value: unknown, depth: number, path: WeakSet<object>): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (typeof value !== 'object' || value === null) return value;
  // Raw bytes may be a pre-serialized credentials body; never worth logging.
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  if (value instanceof Date) return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (path.has(value)) return '[circular]';
  path.add(value);
  let copy: unknown;
  if (Array.isArray(value)) copy = value.map((item) => scrub(item, depth + 1, path));
  else copy = scrubObject(value, depth, path);
  path.delete(value);
  return copy;
}

function scrubObject(value: object, depth: number, path: WeakSet<object>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  if (value instanceof Error) {
    // The shape pino's error serializer produces, built here so every property is scrubbed first.
    copy.type = value.name;
    copy.message = scrubText(value.message);
    if (value.stack !== undefined) copy.stack = scrubText(value.stack);
    if (value.cause !== undefined) copy.cause = scrub(value.cause, depth + 1, path);
  }
  for (const [key, item] of Object.entries(value)) {
    copy[key] = isSecretKey(key) && item !== undefined && item !== null && item !== '' ? REDACTED : scrub(item, depth + 1, path);
  }
  return copy;
}
