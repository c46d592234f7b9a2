// The firewall rules the proxy needs, as data: which rules, in which order, and why. Deciding them is
// kept apart from running iptables so each choice can be checked directly.
//
// nat PREROUTING, per container interface: IMDS traffic (169.254.169.254:80) → the proxy.
// filter INPUT, at the top, in this order:
//   accept the proxy port from each container interface and from lo,
//   drop the proxy port from everywhere else (other hosts on the network),
//   with route_localnet only: drop whatever else a container interface sends to 127.0.0.0/8, because
//   that setting would otherwise let containers reach loopback-only services such as the admin listener.

export const IMDS_ADDRESS = '169.254.169.254';

export interface Rule {
  table: 'nat' | 'filter';
  chain: 'PREROUTING' | 'INPUT';
  spec: readonly string[];
}

export interface Target {
  interface: string;
  /** IPv4 address the DNAT sends to. */
  address: string;
  /** sysctl to set first (route_localnet), if any. */
  sysctl?: string;
}

export interface Plan {
  /** Comment lines: what is done and why. */
  notes: string[];
  sysctls: string[];
  /** Appended when missing. */
  nat: Rule[];
  /** Kept together at the top of INPUT, in this order. */
  filter: Rule[];
}

export interface PlanInput {
  interfaces: readonly string[];
  port: number;
  /** The proxy's listen address (HOST), to warn when it does not listen on the DNAT target. */
  listenHost: string;
  /** Explicit DNAT target (--to). */
  to?: string;
  routeLocalnet: boolean;
}

export const isWildcard = (iface: string): boolean => iface.endsWith('+');
export const isLoopback = (address: string): boolean => address.startsWith('127.');

/**
 * How each interface's traffic reaches the proxy. `addressOf` gives an interface's own IPv4 address.
 * Returns an error line when the choice cannot be made safely.
 */
export function chooseTargets(input: PlanInput, addressOf: (iface: string) => string | undefined): { targets: Target[]; notes: string[] } | { error: string } {
  const { port, to, routeLocalnet } = input;
  const targets: Target[] = [];
  const notes: string[] = [];
  for (const iface of input.interfaces) {
    if (routeLocalnet) {
      const address = to ?? '127.0.0.1';
      // route_localnet is per interface, and a wildcard names interfaces that may not exist yet: only
      // `all` covers those (the kernel ORs it with each interface's own value).
      const scope = isWildcard(iface) ? 'all' : iface;
      const sysctl = `net.ipv4.conf.${scope}.route_localnet=1`;
      targets.push({ interface: iface, address, sysctl });
      notes.push(
        `${iface}: DNAT to ${address}:${port} with ${sysctl}: without it the kernel drops packets from ${iface} to 127.0.0.0/8. ` +
          `Everything else ${iface} sends to 127.0.0.0/8 is dropped, so loopback-only services (the admin listener) stay out of reach.`,
      );
      continue;
    }
    if (to !== undefined) {
      if (isLoopback(to)) {
        return { error: `--to ${to}: a DNAT to loopback is dropped unless route_localnet=1 on ${iface}; add --route-localnet, or target an address of this host such as the bridge's` };
      }
      targets.push({ interface: iface, address: to });
      notes.push(`${iface}: DNAT to ${to}:${port} (--to); the proxy must listen on that address.`);
      continue;
    }
    if (isWildcard(iface)) {
      return {
        error: `--interface ${iface}: a wildcard matches bridges with different addresses; give --to ADDR (an address the proxy listens on, e.g. docker0's) or --route-localnet`,
      };
    }
    const address = addressOf(iface);
    if (address === undefined) return { error: `--interface ${iface}: no IPv4 address found on it (ip -4 addr show dev ${iface}); is the name right and the bridge up?` };
    targets.push({ interface: iface, address });
    notes.push(
      `${iface}: DNAT to ${address}:${port}, ${iface}'s own address (a DNAT to 127.0.0.1 would be dropped unless route_localnet=1; --route-localnet does that).`,
    );
  }
  for (const address of new Set(targets.map((t) => t.address))) {
    const listens = input.listenHost === '0.0.0.0' || input.listenHost === '::' || input.listenHost === address || (isLoopback(address) && input.listenHost === 'localhost');
    if (!listens) notes.push(`warning: the proxy listens on ${input.listenHost} (HOST), not on ${address}: set HOST=0.0.0.0 or HOST=${address}`);
  }
  return { targets, notes };
}

export function planRules(targets: readonly Target[], port: number): Plan {
  const portMatch = ['-p', 'tcp', '--dport', String(port)];
  const nat: Rule[] = targets.map((t) => ({
    table: 'nat',
    chain: 'PREROUTING',
    spec: ['-i', t.interface, '-p', 'tcp', '-d', IMDS_ADDRESS, '--dport', '80', '-j', 'DNAT', '--to-destination', `${t.address}:${port}`],
  }));
  const input = (spec: string[]): Rule => ({ table: 'filter', chain: 'INPUT', spec });
  const interfaces = [...new Set(targets.map((t) => t.interface))];
  const filter: Rule[] = [
    ...interfaces.map((iface) => input(['-i', iface, ...portMatch, '-j', 'ACCEPT'])),
    input(['-i', 'lo', ...portMatch, '-j', 'ACCEPT']),
    input([...portMatch, '-j', 'DROP']),
    ...targets.filter((t) => t.sysctl !== undefined).map((t) => input(['-i', t.interface, '-d', '127.0.0.0/8', '-j', 'DROP'])),
  ];
  const notes = [
    `INPUT: port ${port} is accepted from ${interfaces.join(', ')} and lo, and dropped from anywhere else (other hosts cannot use the proxy).`,
  ];
  return { notes, sysctls: [...new Set(targets.flatMap((t) => (t.sysctl === undefined ? [] : [t.sysctl])))], nat, filter };
}
