// `host:port`, `[v6]:port` or `:port` (all addresses), as ADMIN_LISTEN and the statsd settings take it.
export interface HostPort {
  host: string;
  port: number;
}

const HOST_PORT = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]*)):(\d{1,5})$/;

export function parseHostPort(text: string): HostPort {
  const match = HOST_PORT.exec(text.trim());
  const port = match === null ? NaN : Number(match[3]);
  if (match === null || port < 1 || port > 65535) throw new Error(`expected host:port (e.g. 127.0.0.1:8001), got "${text}"`);
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
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
