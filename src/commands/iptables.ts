// `metadataproxy iptables [--apply | --remove] [--interface IFACE]... [--port N] [--to ADDR] [--route-localnet]
//  [--ipv6 [--to6 ADDR]]`
// Prints (default), adds or removes the rules that send containers' IMDS traffic to the proxy (with --ipv6
// the ip6tables rules for fd00:ec2::254 too). Idempotent: every rule is checked (`-C`) before it is added,
// and removed (`-D`) for as long as it is present.
import { isIPv4, isIPv6 } from 'node:net';
import type { ExtraFlag } from '../config/load.js';
import { CONFIG_ERROR_EXIT_CODE } from '../config/exit.js';
import { loadCommandConfig, type CommandIo, type CommandRunner } from './io.js';
import { splitHostList } from '../config/parsers.js';
import { chooseTargets, isWildcard, planRules, type Family, type Plan, type Rule } from './iptables-plan.js';

export const IPTABLES_FLAGS: readonly ExtraFlag[] = [
  { name: 'apply', description: 'Add the rules (those already present are left alone).' },
  { name: 'remove', description: 'Remove the rules (give the same options as for --apply).' },
  {
    name: 'interface',
    short: 'i',
    valueName: 'IFACE',
    repeatable: true,
    description: "Container interface, repeatable: docker0, 'br-+' (all user bridges), docker_gwbridge (swarm tasks). Default: docker0, and docker_gwbridge when it exists.",
  },
  { name: 'to', valueName: 'ADDR', description: "DNAT target; default: the interface's own IPv4 address." },
  { name: 'route-localnet', description: 'DNAT to 127.0.0.1 and set route_localnet=1 on the interface, which that needs.' },
  { name: 'ipv6', description: 'Also the ip6tables rules: fd00:ec2::254 port 80 to the proxy, and its INPUT rules.' },
  { name: 'to6', valueName: 'ADDR', description: "IPv6 DNAT target (with --ipv6); default: the interface's own global IPv6 address." },
];

const DEFAULT_INTERFACE = 'docker0';
/** Swarm tasks reach the host through this bridge; Docker creates it when the node joins a swarm. */
const SWARM_INTERFACE = 'docker_gwbridge';
const INTERFACE_NAME = /^[\w.-]{1,15}\+?$/;
/** A rule added by hand many times is removed in one go, but a runaway loop is not possible. */
const MAX_DUPLICATES = 100;

export async function runIptablesCommand(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: CommandIo,
  run: CommandRunner,
): Promise<number> {
  const loaded = loadCommandConfig(args, env, io, 'metadataproxy iptables [--apply | --remove] [--interface IFACE]... [options]', IPTABLES_FLAGS);
  if ('exitCode' in loaded) return loaded.exitCode;
  const { extra, config } = loaded;
  const interfaces = (extra.interface as string[] | undefined) ?? (await defaultInterfaces(run));
  const to = extra.to as string | undefined;
  const to6 = extra.to6 as string | undefined;
  const ipv6 = extra.ipv6 === true;
  const problems = [
    ...(extra.apply === true && extra.remove === true ? ['--apply and --remove: give one of them'] : []),
    ...interfaces.filter((i) => !INTERFACE_NAME.test(i)).map((i) => `--interface ${i}: expected an interface name (up to 15 characters, '+' at the end for a wildcard)`),
    ...(to !== undefined && !isIPv4(to) ? [`--to ${to}: expected an IPv4 address`] : []),
    ...(to !== undefined && extra['route-localnet'] === true ? [`--to ${to} and --route-localnet: contradictory (--route-localnet means DNAT to 127.0.0.1); give one of them`] : []),
    ...(to6 !== undefined && !ipv6 ? [`--to6 ${to6}: the IPv6 rules need --ipv6`] : []),
    ...(to6 !== undefined && (!isIPv6(to6) || to6 === '::1' || to6 === '::') ? [`--to6 ${to6}: expected an IPv6 address of this host (the kernel never routes a DNAT to ::1)`] : []),
    ...(config.port === 0 ? ['PORT: the rules need a fixed proxy port, got 0'] : []),
    ...(config.containerCredentialsPort === 0 ? ['CONTAINER_CREDENTIALS_PORT: the rules need a fixed port, got 0'] : []),
  ];
  if (problems.length > 0) return usageError(io, problems);

  const addresses = new Map<string, string | undefined>();
  for (const iface of namedInterfaces(interfaces)) {
    if (to === undefined && !extra['route-localnet']) addresses.set(`ipv4 ${iface}`, await interfaceAddress(run, iface, 'ipv4'));
    if (ipv6 && to6 === undefined) addresses.set(`ipv6 ${iface}`, await interfaceAddress(run, iface, 'ipv6'));
  }
  const chosen = chooseTargets(
    { interfaces, port: config.port, listenHosts: splitHostList(config.host), to, routeLocalnet: extra['route-localnet'] === true, ipv6, to6 },
    (iface, family) => addresses.get(`${family} ${iface}`),
  );
  if ('error' in chosen) return usageError(io, [chosen.error]);
  const plan = planRules(chosen.targets, config.port, config.containerCredentialsPort);
  plan.notes.unshift(...chosen.notes);

  if (extra.apply === true) return apply(plan, io, run);
  if (extra.remove === true) return remove(plan, io, run);
  io.stdout(printPlan(plan));
  return 0;
}

/** The commands `--apply` runs on a host with none of the rules yet, with the reasons as comments. */
export function printPlan(plan: Plan): string {
  const lines = plan.notes.map((note) => `# ${note}`);
  lines.push(...plan.sysctls.map((s) => `sysctl -w ${s}`));
  lines.push(...plan.nat.map((rule) => shellLine(iptables(rule, '-A'))));
  for (const block of inputBlocks(plan)) lines.push(...block.map((rule, i) => shellLine(iptables(rule, '-I', i + 1))));
  return lines.join('\n') + '\n';
}

/** The INPUT rules of each family: iptables and ip6tables keep separate chains, each with its own top. */
function inputBlocks(plan: Plan): Rule[][] {
  return (['ipv4', 'ipv6'] as const).map((family) => plan.filter.filter((rule) => rule.family === family)).filter((block) => block.length > 0);
}

function namedInterfaces(interfaces: readonly string[]): string[] {
  return interfaces.filter((iface) => !isWildcard(iface));
}

async function apply(plan: Plan, io: CommandIo, run: CommandRunner): Promise<number> {
  plan.notes.forEach((note) => io.stdout(`# ${note}\n`));
  for (const sysctl of plan.sysctls) {
    if (!(await step(io, run, ['sysctl', '-w', sysctl]))) return 1;
  }
  for (const rule of plan.nat) {
    if (await present(run, rule)) io.stdout(`present: ${describe(rule)}\n`);
    else if (!(await step(io, run, iptables(rule, '-A')))) return 1;
  }
  for (const block of inputBlocks(plan)) if (!(await applyInputBlock(block, io, run))) return 1;
  return 0;
}

/**
 * The INPUT rules only work in order (accepts before drops), so unless all are there they are put
 * back as one block at the top of the chain.
 */
async function applyInputBlock(block: readonly Rule[], io: CommandIo, run: CommandRunner): Promise<boolean> {
  const found: boolean[] = [];
  for (const rule of block) found.push(await present(run, rule));
  if (found.every(Boolean)) {
    block.forEach((rule) => io.stdout(`present: ${describe(rule)}\n`));
    return true;
  }
  for (const rule of block) if (!(await deleteAll(io, run, rule))) return false;
  for (const [i, rule] of block.entries()) if (!(await step(io, run, iptables(rule, '-I', i + 1)))) return false;
  return true;
}

async function remove(plan: Plan, io: CommandIo, run: CommandRunner): Promise<number> {
  for (const rule of [...plan.nat, ...plan.filter]) if (!(await deleteAll(io, run, rule))) return 1;
  if (plan.sysctls.length > 0) io.stdout(`# left as is (other software may rely on it): ${plan.sysctls.join(', ')}\n`);
  return 0;
}

async function deleteAll(io: CommandIo, run: CommandRunner, rule: Rule): Promise<boolean> {
  for (let i = 0; i < MAX_DUPLICATES && (await present(run, rule)); i++) if (!(await step(io, run, iptables(rule, '-D')))) return false;
  return true;
}

async function present(run: CommandRunner, rule: Rule): Promise<boolean> {
  return (await run(iptables(rule, '-C'))).code === 0;
}

/** Runs one changing command and says so; on failure prints iptables' own message. */
async function step(io: CommandIo, run: CommandRunner, argv: string[]): Promise<boolean> {
  const result = await run(argv);
  if (result.code === 0) {
    io.stdout(`ran: ${shellLine(argv)}\n`);
    return true;
  }
  io.stderr(`metadataproxy iptables: failed (exit ${result.code}): ${shellLine(argv)}\n${result.stderr.trim()}\n`);
  return false;
}

function iptables(rule: Rule, action: '-A' | '-C' | '-D' | '-I', position?: number): string[] {
  const chain = position === undefined ? [rule.chain] : [rule.chain, String(position)];
  return [rule.family === 'ipv4' ? 'iptables' : 'ip6tables', '-w', '-t', rule.table, action, ...chain, ...rule.spec];
}

function describe(rule: Rule): string {
  return `${rule.family === 'ipv4' ? '' : '(ip6tables) '}-t ${rule.table} ${rule.chain} ${rule.spec.join(' ')}`;
}

/** docker0, plus docker_gwbridge on a swarm node: a task's IMDS packets arrive on that bridge. */
async function defaultInterfaces(run: CommandRunner): Promise<string[]> {
  return (await interfaceAddress(run, SWARM_INTERFACE, 'ipv4')) === undefined ? [DEFAULT_INTERFACE] : [DEFAULT_INTERFACE, SWARM_INTERFACE];
}

async function interfaceAddress(run: CommandRunner, iface: string, family: Family): Promise<string | undefined> {
  if (family === 'ipv4') {
    const result = await run(['ip', '-4', '-o', 'addr', 'show', 'dev', iface]);
    return result.code === 0 ? /\binet (\d+\.\d+\.\d+\.\d+)\//.exec(result.stdout)?.[1] : undefined;
  }
  // Link-local addresses (fe80::) need a zone and are the same on every bridge: only a global one will do.
  const result = await run(['ip', '-6', '-o', 'addr', 'show', 'dev', iface, 'scope', 'global']);
  return result.code === 0 ? /\binet6 ([0-9a-f:]+)\//.exec(result.stdout)?.[1] : undefined;
}

function shellLine(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w./:=+@,-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

function usageError(io: CommandIo, lines: readonly string[]): number {
  lines.forEach((line) => io.stderr(`${line}\n`));
  return CONFIG_ERROR_EXIT_CODE;
}
