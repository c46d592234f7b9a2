// A private Docker engine inside the lab's namespace: its own containerd (a host may run a system
// containerd that dockerd would otherwise share), its own data, exec root, socket and iptables rules.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mustRun, run, waitFor, type RunResult } from './exec.js';
import { logTail, startDaemon, type Daemon } from './daemons.js';
import { dockerCliEnv, stopPid } from './teardown.js';
import { unixGet } from './unix-http.js';

export interface EngineOptions {
  /** Containers keep running while dockerd is down, as on hosts configured with live-restore. */
  liveRestore?: boolean;
  /** dockerd --ipv6 --fixed-cidr-v6 SUBNET: default-bridge containers get an IPv6 address from it. */
  ipv6Subnet?: string;
}

/** Waits until the engine daemon answers /_ping on its socket (Docker and Podman's service both do). */
export async function untilPing(daemon: Daemon, socketPath: string): Promise<void> {
  await waitFor(`${daemon.label} to answer /_ping`, async () => {
    if (daemon.exited()) throw new Error(`${daemon.label} exited:\n${logTail(daemon.logFile)}`);
    const ping = await unixGet(socketPath, '/_ping', 2_000);
    return ping.status === 200 ? true : undefined;
  }, 60_000);
}

/** What the lab's container helpers need of an engine: its CLI (docker, or podman talking to its service). */
export type ContainerCli = Pick<DockerEngine, 'docker' | 'dockerResult'>;

export class DockerEngine {
  readonly socketPath: string;
  readonly url: string;
  private dockerd: Daemon | undefined;

  constructor(
    private readonly netns: string,
    private readonly dir: string,
    private readonly options: EngineOptions = {},
  ) {
    this.socketPath = join(dir, 'docker.sock');
    this.url = `unix://${this.socketPath}`;
  }

  async start(): Promise<void> {
    await this.startContainerd();
    await this.startDockerd();
  }

  private async startContainerd(): Promise<void> {
    const socket = join(this.dir, 'containerd.sock');
    const config = join(this.dir, 'containerd.toml');
    writeFileSync(
      config,
      [
        'version = 2',
        `root = "${join(this.dir, 'containerd', 'root')}"`,
        `state = "${join(this.dir, 'containerd', 'state')}"`,
        'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
        '[grpc]',
        `  address = "${socket}"`,
        '',
      ].join('\n'),
    );
    const daemon = startDaemon(this.netns, this.dir, 'containerd', 'containerd', ['--config', config]);
    await waitFor('containerd to listen', async () => {
      if (daemon.exited()) throw new Error(`containerd exited:\n${logTail(daemon.logFile)}`);
      return existsSync(socket) ? true : undefined;
    });
  }

  /** Also used to bring the engine back after `stopDockerd`, with the same data, containers and networks. */
  async startDockerd(): Promise<void> {
    mkdirSync(join(this.dir, 'docker-cli'), { recursive: true });
    const daemonJson = join(this.dir, 'daemon.json');
    writeFileSync(daemonJson, '{}\n'); // not the host's /etc/docker/daemon.json
    const daemon = startDaemon(this.netns, this.dir, 'dockerd', 'dockerd', [
      '--host', this.url,
      '--data-root', join(this.dir, 'data'),
      '--exec-root', join(this.dir, 'exec'),
      '--pidfile', join(this.dir, 'dockerd-own.pid'),
      '--config-file', daemonJson,
      '--containerd', join(this.dir, 'containerd.sock'),
      // The lab namespace is ours alone: dockerd may manage its iptables and take 172.17.0.0/16.
      '--iptables=true',
      '--shutdown-timeout', '2',
      ...(this.options.liveRestore === true ? ['--live-restore'] : []),
      ...(this.options.ipv6Subnet === undefined ? [] : ['--ipv6', '--fixed-cidr-v6', this.options.ipv6Subnet]),
    ]);
    this.dockerd = daemon;
    await untilPing(daemon, this.socketPath);
  }

  /** Stops dockerd as a daemon restart does (containers stop with it unless live-restore); containerd stays. */
  stopDockerd(): void {
    if (this.dockerd?.child.pid !== undefined) stopPid(this.dockerd.child.pid, 20_000);
    this.dockerd = undefined;
  }

  /** stopDockerd without blocking the event loop, for a caller with work in flight meanwhile (the soak). */
  async stopDockerdAsync(): Promise<void> {
    const daemon = this.dockerd;
    this.dockerd = undefined;
    if (daemon === undefined || daemon.exited()) return;
    const exited = new Promise<void>((resolve) => daemon.child.once('exit', () => resolve()));
    daemon.child.kill('SIGTERM');
    const timer = setTimeout(() => daemon.child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }

  docker(args: readonly string[], timeoutMs = 60_000): Promise<string> {
    return mustRun('docker', args, { env: dockerCliEnv(this.dir), timeoutMs });
  }

  dockerResult(args: readonly string[], timeoutMs = 60_000): Promise<RunResult> {
    return run('docker', args, { env: dockerCliEnv(this.dir), timeoutMs });
  }
}
