// The firewall rules the proxy needs, as data: which rules, in which order, and why. Deciding them is
// kept apart from running iptables so each choice can be checked directly.
//
// nat PREROUTING, per container interface: IMDS traffic (169.254.169.254:80) → the proxy; with --ipv6
// also IMDS's IPv6 address (fd00:ec2::254:80) → the proxy, with ip6tables. With CONTAINER_CREDENTIALS_PORT
// also the container-credentials addresses (169.254.170.2:80, ECS's; 169.254.170.23:80 and, with
// --ipv6, fd00:ec2::23:80, EKS's) → that port.
// filter INPUT, at the top, in this order (for each family):
//   accept the proxy port from each container interface and from lo,
//   drop the proxy port from everywhere else (other hosts on the network),
//   with route_localnet only: drop whatever else a container interface sends to 127.0.0.0/8, because
//   that setting would otherwise let containers reach loopback-only services such as the admin listener.

export const IMDS_ADDRESS = '169.254.169.254';
/** What Nitro instances answer IMDS on over IPv6 (SDKs: AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6). */
export const IMDS_ADDRESS_V6 = 'fd00:ec2::254';

export type Family = 'ipv4' | 'ipv6';

/** Where SDKs look for container credentials, by family: ECS's relative-URI host and EKS's full-URI hosts. */
export const CONTAINER_CREDENTIALS_ADDRESSES: Readonly<Record<Family, readonly string[]>> = {
  ipv4: ['169.254.170.2', '169.254.170.23'],
  ipv6: ['fd00:ec2::23'],
};

export interface Rule {
  /** ipv4: iptables; ipv6: ip6tables. */
  family: Family;
  table: 'nat' | 'filter';
  chain: 'PREROUTING' | 'INPUT';
  spec: readonly string[];
}

export interface Target {
  family: Family;
  interface: string;
  /** Address the DNAT sends to. */
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
  /** Kept together at the top of INPUT, in this order, one block per family. */
  filter: Rule[];
}

export interface PlanInput {
  interfaces: readonly string[];
  port: number;
  /** The proxy's listen addresses (HOST), to warn when none is the DNAT target. */
  listenHosts: readonly string[];
  /** Explicit DNAT target (--to). */
  to?: string;
  routeLocalnet: boolean;
  /** The IPv6 rules as well (--ipv6), to `to6` or each interface's own global IPv6 address. */
  ipv6?: boolean;
  to6?: string;
}

export const isWildcard = (iface: string): boolean => iface.endsWith('+');
export const isLoopback = (address: string): boolean => address.startsWith('127.');

type Chosen = { targets: Target[]; notes: string[] } | { error: string };

/**
 * How each interface's traffic reaches the proxy. `addressOf` gives an interface's own address of a family.
 * Returns an error line when the choice cannot be made safely.
 */
export function chooseTargets(input: PlanInput, addressOf: (iface: string, family: Family) => string | undefined): Chosen {
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
      targets.push({ family: 'ipv4', interface: iface, address, sysctl });
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
      targets.push({ family: 'ipv4', interface: iface, address: to });
      notes.push(`${iface}: DNAT to ${to}:${port} (--to); the proxy must listen on that address.`);
      continue;
    }
    if (isWildcard(iface)) {
      return {
        error: `--interface ${iface}: a wildcard matches bridges with different addresses; give --to ADDR (an address the proxy listens on, e.g. docker0's) or --route-localnet`,
      };
    }
    const address = addressOf(iface, 'ipv4');
    if (address === undefined) return { error: `--interface ${iface}: no IPv4 address found on it (ip -4 addr show dev ${iface}); is the name right and the bridge up?` };
    targets.push({ family: 'ipv4', interface: iface, address });
    notes.push(
      `${iface}: DNAT to ${address}:${port}, ${iface}'s own address (a DNAT to 127.0.0.1 would be dropped unless route_localnet=1; --route-localnet does that).`,
    );
  }
  if (input.ipv6 === true) {
    const chosen6 = chooseTargets6(input, (iface) => addressOf(iface, 'ipv6'));
    if ('error' in chosen6) return chosen6;
    targets.push(...chosen6.targets);
    notes.push(...chosen6.notes);
  }
  const heard = input.listenHosts.join(',');
  for (const target of new Map(targets.map((t) => [t.address, t])).values()) {
    if (listensOn(input.listenHosts, target)) continue;
    const fix = target.family === 'ipv4' ? 'HOST=0.0.0.0' : 'HOST=:: (both families)';
    notes.push(`warning: the proxy listens on ${heard} (HOST), not on ${target.address}: set ${fix} or add ${target.address} to HOST`);
  }
  return { targets, notes };
}

/** IPv6 has no route_localnet: the kernel never routes a DNAT to ::1, so the target is an address of the host. */
function chooseTargets6(input: PlanInput, addressOf: (iface: string) => string | undefined): Chosen {
  const { port, to6 } = input;
  const targets: Target[] = [];
  const notes: string[] = [];
  for (const iface of input.interfaces) {
    if (to6 !== undefined) {
      targets.push({ family: 'ipv6', interface: iface, address: to6 });
      notes.push(`${iface}: IPv6 DNAT from ${IMDS_ADDRESS_V6} to [${to6}]:${port} (--to6); the proxy must listen on that address.`);
      continue;
    }
    if (isWildcard(iface)) {
      return { error: `--interface ${iface}: with --ipv6 a wildcard matches bridges with different addresses; give --to6 ADDR (an IPv6 address the proxy listens on)` };
    }
    const address = addressOf(iface);
    if (address === undefined) {
      return { error: `--interface ${iface}: no global IPv6 address found on it (ip -6 addr show dev ${iface} scope global); is IPv6 on for that network (dockerd --ipv6)?` };
    }
    targets.push({ family: 'ipv6', interface: iface, address });
    notes.push(`${iface}: IPv6 DNAT from ${IMDS_ADDRESS_V6} to [${address}]:${port}, ${iface}'s own address (IPv6 has no route_localnet: never to ::1).`);
  }
  return { targets, notes };
}

function listensOn(hosts: readonly string[], target: Target): boolean {
  return hosts.some(
    (host) =>
      host === '::' || host === target.address || (host === '0.0.0.0' && target.family === 'ipv4') || (isLoopback(target.address) && host === 'localhost'),
  );
}

/** `containerPort`: CONTAINER_CREDENTIALS_PORT, when that listener is on. */
export function planRules(targets: readonly Target[], port: number, containerPort?: number): Plan {
  const dnat = (t: Target, address: string, to: number): Rule => ({
    family: t.family,
    table: 'nat',
    chain: 'PREROUTING',
    spec: [
      '-i', t.interface, '-p', 'tcp', '-d', address, '--dport', '80',
      '-j', 'DNAT', '--to-destination', t.family === 'ipv4' ? `${t.address}:${to}` : `[${t.address}]:${to}`,
    ],
  });
  const nat: Rule[] = targets.flatMap((t) => [
    dnat(t, t.family === 'ipv4' ? IMDS_ADDRESS : IMDS_ADDRESS_V6, port),
    ...(containerPort === undefined ? [] : CONTAINER_CREDENTIALS_ADDRESSES[t.family].map((address) => dnat(t, address, containerPort))),
  ]);
  const ports = containerPort === undefined ? [port] : [port, containerPort];
  const portMatches = ports.map((p) => ['-p', 'tcp', '--dport', String(p)]);
  const filter: Rule[] = [];
  const notes: string[] = [];
  for (const family of ['ipv4', 'ipv6'] as const) {
    const own = targets.filter((t) => t.family === family);
    if (own.length === 0) continue;
    const input = (spec: string[]): Rule => ({ family, table: 'filter', chain: 'INPUT', spec });
    const interfaces = [...new Set(own.map((t) => t.interface))];
    filter.push(
      ...interfaces.flatMap((iface) => portMatches.map((match) => input(['-i', iface, ...match, '-j', 'ACCEPT']))),
      ...portMatches.map((match) => input(['-i', 'lo', ...match, '-j', 'ACCEPT'])),
      ...portMatches.map((match) => input([...match, '-j', 'DROP'])),
      ...own.filter((t) => t.sysctl !== undefined).map((t) => input(['-i', t.interface, '-d', '127.0.0.0/8', '-j', 'DROP'])),
    );
    const over = family === 'ipv4' ? '' : ' over IPv6 (ip6tables)';
    const which = ports.length > 1 ? `ports ${ports.join(' and ')} are` : `port ${port} is`;
    notes.push(`INPUT${over}: ${which} accepted from ${interfaces.join(', ')} and lo, and dropped from anywhere else (other hosts cannot use the proxy).`);
    if (containerPort !== undefined) {
      const addresses = CONTAINER_CREDENTIALS_ADDRESSES[family].map((a) => (family === 'ipv4' ? `${a}:80` : `[${a}]:80`)).join(' and ');
      notes.push(`nat${over}: ${addresses} (container credentials) go to port ${containerPort} (CONTAINER_CREDENTIALS_PORT).`);
    }
  }
  return { notes, sysctls: [...new Set(targets.flatMap((t) => (t.sysctl === undefined ? [] : [t.sysctl])))], nat, filter };
}
