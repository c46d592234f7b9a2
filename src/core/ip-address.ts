// Addresses written by people (mapping file), reported by Docker and read from sockets must compare
// equal, so identity sources key their indexes, and callers are looked up, by this one canonical form.
import { isIP, isIPv4 } from 'node:net';

const V4_MAPPED = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

/** Canonical text of an IPv4 or IPv6 address (IPv4-mapped IPv6 becomes IPv4), or undefined if it is none. */
export function normalizeIp(text: string): string | undefined {
  const version = isIP(text);
  if (version === 4) return text;
  // A dual-stack listener reports every IPv4 caller this way: the common case, kept off the URL parser.
  if (text.startsWith('::ffff:') && isIPv4(text.slice(7))) return text.slice(7);
  if (version !== 6 || text.includes('%')) return undefined;
  // The WHATWG URL parser prints IPv6 in RFC 5952 form: lower case, longest zero run compressed.
  const canonical = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  const mapped = V4_MAPPED.exec(canonical);
  if (mapped === null) return canonical;
  const high = parseInt(mapped[1]!, 16);
  const low = parseInt(mapped[2]!, 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** A socket's remote address in that form ('' once the socket is gone; as given if it is no address). */
export function callerAddress(remoteAddress: string | undefined): string {
  return remoteAddress === undefined ? '' : (normalizeIp(remoteAddress) ?? remoteAddress);
}
