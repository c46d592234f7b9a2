// Where the operator commands reach the running proxy's admin listener (ADMIN_LISTEN, --admin-listen or
// the -c file's adminListen): a wildcard listen address is reached on loopback.
import { connectHost, parseHostPort, urlHost } from '../observability/address.js';

export function adminUrl(adminListen: string, path: string): string {
  const { host, port } = parseHostPort(adminListen);
  return `http://${urlHost(connectHost(host))}:${port}${path}`;
}
