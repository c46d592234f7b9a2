// Addresses written by people (mapping file) and reported by Docker must compare equal to the socket's
// remote address, so every identity source keys its index by this one canonical form.
import { isIP } from 'node:net';

const V4_MAPPED = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

/** Canonical text of an IPv4 or IPv6 address (IPv4-mapped IPv6 becomes IPv4), or undefined if it is none. */
export function normalizeIp(text: string): string | undefined {
  const version = isIP(text);
  if (version === 4) return text;
  if (version !== 6 || text.includes('%')) return undefined;
  // The WHATWG URL parser prints IPv6 in RFC 5952 form: lower case, longest zero run compressed.
  const canonical = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  const mapped = V4_MAPPED.exec(canonical);
  if (mapped === null) return canonical;
  const high = parseInt(mapped[1]!, 16);
  const low = parseInt(mapped[2]!, 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}
