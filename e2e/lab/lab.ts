// One lab = a network namespace with no route off the machine, a private Docker engine inside it, the
// busybox image, the DNAT rule that sends 169.254.169.254:80 to the proxy port, an agent that runs the
// IMDS stub and the fake AWS inside the namespace, and the proxy (started by each test file as it needs).
// See "The test lab" in docs/architecture.md.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { mustRun } from './exec.js';
import { DockerEngine } from './engine.js';
import { PODMAN_BRIDGE, PODMAN_GATEWAY, PodmanEngine } from './podman-engine.js';
import { importBusyboxImage } from './busybox-image.js';
import { LAB_PREFIX, LAB_ROOT, destroyLab, sweepStaleLabs, writeOwner } from './teardown.js';
import { LabAgent } from './agent-client.js';
import { LabProxy, PROXY_CLI, PROXY_PORT } from './proxy.js';
import { logTail } from './daemons.js';

const liveLabs = new Map<string, string>();
let handlersInstalled = false;

/** Last line of defence when a test run ends without its `after` hook: exit and the usual signals. */
function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const destroyAll = (): void => {
    for (const [name, dir] of liveLabs) destroyLab(name, dir);
    liveLabs.clear();
  };
  process.on('exit', destroyAll);
  for (const [signal, number] of [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]] as const) {
    process.on(signal, () => {
      destroyAll();
      // A moment for the event loop to reap the daemons it started (not every init reaps orphans).
      setTimeout(() => process.exit(128 + number), 200);
    });
  }
}

export interface Lab<E = DockerEngine> {
  name: string;
  dir: string;
  engine: E;
  /** The bridge address inside the namespace (docker0's, or Podman's bridge's): where the proxy listens. */
  gateway: string;
  /** docker0's IPv6 address, with `ipv6`: where the proxy listens too. */
  gateway6?: string;
  agent: LabAgent;
  proxy: LabProxy;
  /** Runs a test body; if it fails, the error carries the end of the proxy's and the engine's logs. */
  withLogs(body: () => Promise<void>): Promise<void>;
  destroy(): void;
}

async function inNamespace(name: string, command: string, args: readonly string[]): Promise<string> {
  return mustRun('nsenter', [`--net=/run/netns/${name}`, command, ...args]);
}

async function bridgeAddress(name: string, family: '4' | '6'): Promise<string> {
  const out = await mustRun('ip', ['-n', name, `-${family}`, '-o', 'addr', 'show', 'dev', 'docker0', 'scope', 'global']);
  const match = /inet6? ([0-9a-f.:]+)\//.exec(out);
  if (!match?.[1]) throw new Error(`docker0 has no IPv${family} address in ${name}: ${out}`);
  return match[1];
}

/** Duplicate address detection would keep docker0's IPv6 address "tentative" (unusable) for a while. */
async function skipDuplicateAddressDetection(name: string): Promise<void> {
  for (const scope of ['all', 'default']) await inNamespace(name, 'sysctl', ['-qw', `net.ipv6.conf.${scope}.accept_dad=0`]);
}

/** The production rule, for the default bridge and for user-defined bridges (br-…). */
async function addMetadataRedirect(name: string, gateway: string): Promise<void> {
  for (const inbound of ['docker0', 'br-+']) {
    await inNamespace(name, 'iptables', [
      '-w', '-t', 'nat', '-A', 'PREROUTING', '-i', inbound, '-p', 'tcp', '-d', '169.254.169.254', '--dport', '80',
      '-j', 'DNAT', '--to-destination', `${gateway}:${PROXY_PORT}`,
    ]);
  }
}

/** `metadataproxy iptables --apply` as an operator runs it (with --ipv6: the ip6tables rules too). */
async function applyProductRules(name: string, hosts: readonly string[], args: readonly string[]): Promise<void> {
  const env = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', HOST: hosts.join(','), PORT: String(PROXY_PORT) };
  await mustRun('nsenter', [`--net=/run/netns/${name}`, process.execPath, PROXY_CLI, 'iptables', '--apply', ...args], { env });
}

export interface LabOptions {
  /** dockerd --live-restore: containers survive a daemon restart. */
  liveRestore?: boolean;
  /**
   * dockerd --ipv6 on the ULA prefix LAB_IPV6_SUBNET; the ip6tables rules come from the product's own
   * `metadataproxy iptables --apply --ipv6`, and the proxy listens on both bridge addresses.
   */
  ipv6?: boolean;
}

export const LAB_IPV6_SUBNET = 'fd00:d0c::/64';

interface EngineSetup<E> {
  engine: E & { url: string };
  gateway: string;
  gateway6?: string;
  /** The engine's log, shown when a test fails. */
  log: string;
}

export function createLab(options: LabOptions = {}): Promise<Lab> {
  return buildLab(async (name, dir) => {
    if (options.ipv6 === true) await skipDuplicateAddressDetection(name);
    const ipv6Subnet = options.ipv6 === true ? LAB_IPV6_SUBNET : undefined;
    const engine = new DockerEngine(name, dir, { liveRestore: options.liveRestore, ipv6Subnet });
    await engine.start();
    const gateway = await bridgeAddress(name, '4');
    const gateway6 = ipv6Subnet === undefined ? undefined : await bridgeAddress(name, '6');
    await importBusyboxImage(engine, dir);
    await addMetadataRedirect(name, gateway);
    if (gateway6 !== undefined) await applyProductRules(name, [gateway, gateway6], ['--ipv6', '--interface', 'docker0']);
    return { engine, gateway, ...(gateway6 === undefined ? {} : { gateway6 }), log: join(dir, 'logs', 'dockerd.log') };
  });
}

/** The same lab around a rootful `podman system service`; its bridge's rules come from `metadataproxy iptables`. */
export function createPodmanLab(): Promise<Lab<PodmanEngine>> {
  return buildLab(async (name, dir) => {
    const engine = new PodmanEngine(name, dir);
    await engine.start();
    await importBusyboxImage(engine, dir);
    await applyProductRules(name, [PODMAN_GATEWAY], ['--interface', PODMAN_BRIDGE]);
    return { engine, gateway: PODMAN_GATEWAY, log: join(dir, 'logs', 'podman.log') };
  });
}

async function buildLab<E>(setUp: (name: string, dir: string) => Promise<EngineSetup<E>>): Promise<Lab<E>> {
  sweepStaleLabs();
  installExitHandlers();
  mkdirSync(LAB_ROOT, { recursive: true });
  const name = `${LAB_PREFIX}${randomBytes(4).toString('hex')}`;
  const dir = join(LAB_ROOT, name);
  // Owner first, then rename into place: a concurrent sweep never sees a lab folder without its owner.
  const staging = mkdtempSync(join(LAB_ROOT, '.new-'));
  writeOwner(staging);
  renameSync(staging, dir);
  liveLabs.set(name, dir);
  const destroy = (): void => {
    if (liveLabs.delete(name)) destroyLab(name, dir);
  };
  try {
    await mustRun('ip', ['netns', 'add', name]);
    await mustRun('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    const { engine, gateway, gateway6, log } = await setUp(name, dir);
    const agent = await LabAgent.start(name, dir);
    const proxy = new LabProxy({ netns: name, dir, gateway, gateway6, dockerUrl: engine.url, agent });
    const withLogs = async (body: () => Promise<void>): Promise<void> => {
      try {
        await body();
      } catch (error) {
        if (error instanceof Error) {
          error.message += `\n--- proxy log ---\n${proxy.logTail()}\n--- engine log ---\n${logTail(log, 15)}`;
        }
        throw error;
      }
    };
    return { name, dir, engine, gateway, ...(gateway6 === undefined ? {} : { gateway6 }), agent, proxy, withLogs, destroy };
  } catch (error) {
    destroy();
    throw error;
  }
}
