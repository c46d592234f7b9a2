// One lab = a network namespace with no route off the machine, a private Docker engine inside it, the
// busybox image, the DNAT rule that sends 169.254.169.254:80 to the proxy port, an agent that runs the
// IMDS stub and the fake AWS inside the namespace, and the proxy (started by each test file as it needs).
// See "The test lab" in docs/architecture.md.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { mustRun } from './exec.js';
import { DockerEngine } from './engine.js';
import { importBusyboxImage } from './busybox-image.js';
import { LAB_PREFIX, LAB_ROOT, destroyLab, sweepStaleLabs, writeOwner } from './teardown.js';
import { LabAgent } from './agent-client.js';
import { LabProxy, PROXY_PORT } from './proxy.js';
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

export interface Lab {
  name: string;
  dir: string;
  engine: DockerEngine;
  /** The docker0 address inside the namespace: where the proxy listens. */
  gateway: string;
  agent: LabAgent;
  proxy: LabProxy;
  /** Runs a test body; if it fails, the error carries the end of the proxy's and dockerd's logs. */
  withLogs(body: () => Promise<void>): Promise<void>;
  destroy(): void;
}

async function inNamespace(name: string, command: string, args: readonly string[]): Promise<string> {
  return mustRun('nsenter', [`--net=/run/netns/${name}`, command, ...args]);
}

async function bridgeAddress(name: string): Promise<string> {
  const out = await mustRun('ip', ['-n', name, '-4', '-o', 'addr', 'show', 'dev', 'docker0']);
  const match = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(out);
  if (!match?.[1]) throw new Error(`docker0 has no IPv4 address in ${name}: ${out}`);
  return match[1];
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

export interface LabOptions {
  /** dockerd --live-restore: containers survive a daemon restart. */
  liveRestore?: boolean;
}

export async function createLab(options: LabOptions = {}): Promise<Lab> {
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
    const engine = new DockerEngine(name, dir, options.liveRestore);
    await engine.start();
    const gateway = await bridgeAddress(name);
    await importBusyboxImage(engine, dir);
    await addMetadataRedirect(name, gateway);
    const agent = await LabAgent.start(name, dir);
    const proxy = new LabProxy({ netns: name, dir, gateway, dockerUrl: engine.url, agent });
    const withLogs = async (body: () => Promise<void>): Promise<void> => {
      try {
        await body();
      } catch (error) {
        if (error instanceof Error) {
          error.message += `\n--- proxy log ---\n${proxy.logTail()}\n--- dockerd log ---\n${logTail(join(dir, 'logs', 'dockerd.log'), 15)}`;
        }
        throw error;
      }
    };
    return { name, dir, engine, gateway, agent, proxy, withLogs, destroy };
  } catch (error) {
    destroy();
    throw error;
  }
}
