// `metadataproxy iptables [--apply | --remove] [--interface IFACE]... [--port N] [--to ADDR] [--route-localnet]`
// Prints (default), adds or removes the rules that send containers' IMDS traffic to the proxy. Idempotent:
// every rule is checked (`-C`) before it is added, and removed (`-D`) for as long as it is present.
import { isIPv4 } from 'node:net';
import type { ExtraFlag } from '../config/load.js';
import { CONFIG_ERROR_EXIT_CODE } from '../config/exit.js';
import { loadCommandConfig, type CommandIo, type CommandRunner } from './io.js';
import { chooseTargets, isWildcard, planRules, type Plan, type Rule } from './iptables-plan.js';

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
  const problems = [
    ...(extra.apply === true && extra.remove === true ? ['--apply and --remove: give one of them'] : []),
    ...interfaces.filter((i) => !INTERFACE_NAME.test(i)).map((i) => `--interface ${i}: expected an interface name (up to 15 characters, '+' at the end for a wildcard)`),
    ...(to !== undefined && !isIPv4(to) ? [`--to ${to}: expected an IPv4 address`] : []),
    ...(config.port === 0 ? ['PORT: the rules need a fixed proxy port, got 0'] : []),
  ];
  if (problems.length > 0) return usageError(io, problems);

  const addresses = new Map<string, string | undefined>();
  for (const iface of interfaces) if (to === undefined && !extra['route-localnet'] && !isWildcard(iface)) addresses.set(iface, await interfaceAddress(run, iface));
  const chosen = chooseTargets(
    { interfaces, port: config.port, listenHost: config.host, to, routeLocalnet: extra['route-localnet'] === true },
    (iface) => addresses.get(iface),
  );
  if ('error' in chosen) return usageError(io, [chosen.error]);
  const plan = planRules(chosen.targets, config.port);
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
  lines.push(...plan.filter.map((rule, i) => shellLine(iptables(rule, '-I', i + 1))));
  return lines.join('\n') + '\n';
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
  // The INPUT rules only work in order (accepts before drops), so unless all are there they are put
  // back as one block at the top of the chain.
  const found: boolean[] = [];
  for (const rule of plan.filter) found.push(await present(run, rule));
  if (found.every(Boolean)) {
    plan.filter.forEach((rule) => io.stdout(`present: ${describe(rule)}\n`));
    return 0;
  }
  for (const rule of plan.filter) if (!(await deleteAll(io, run, rule))) return 1;
  for (const [i, rule] of plan.filter.entries()) if (!(await step(io, run, iptables(rule, '-I', i + 1)))) return 1;
  return 0;
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
  return ['iptables', '-w', '-t', rule.table, action, ...chain, ...rule.spec];
}

function describe(rule: Rule): string {
  return `-t ${rule.table} ${rule.chain} ${rule.spec.join(' ')}`;
}

/** docker0, plus docker_gwbridge on a swarm node: a task's IMDS packets arrive on that bridge. */
async function defaultInterfaces(run: CommandRunner): Promise<string[]> {
  return (await interfaceAddress(run, SWARM_INTERFACE)) === undefined ? [DEFAULT_INTERFACE] : [DEFAULT_INTERFACE, SWARM_INTERFACE];
}

async function interfaceAddress(run: CommandRunner, iface: string): Promise<string | undefined> {
  const result = await run(['ip', '-4', '-o', 'addr', 'show', 'dev', iface]);
  return result.code === 0 ? /\binet (\d+\.\d+\.\d+\.\d+)\//.exec(result.stdout)?.[1] : undefined;
}

function shellLine(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w./:=+@,-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

function usageError(io: CommandIo, lines: readonly string[]): number {
  lines.forEach((line) => io.stderr(`${line}\n`));
  return CONFIG_ERROR_EXIT_CODE;
}
