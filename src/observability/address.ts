// Listen addresses as operators write them (`host:port`, `[v6]:port`, `:port`), for listening and for
// finding a listener from the same setting.
import { splitHostPort, type HostPort } from '../config/parsers.js';

export type { HostPort };

export function parseHostPort(text: string): HostPort {
  const parsed = splitHostPort(text, true);
  if (parsed === undefined) throw new Error(`expected HOST:PORT (e.g. 127.0.0.1:8001), got ${JSON.stringify(text)}`);
  return { host: parsed.host === '' ? '0.0.0.0' : parsed.host, port: parsed.port };
}

/** Where a local client reaches a listener: a wildcard listen address means this host's loopback. */
export function connectHost(listenHost: string): string {
  if (listenHost === '0.0.0.0' || listenHost === '') return '127.0.0.1';
  if (listenHost === '::') return '::1';
  return listenHost;
}

/** For URLs: IPv6 literals go in brackets. */
export function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
