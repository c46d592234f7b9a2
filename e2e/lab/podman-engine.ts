// A private rootful Podman inside the lab's namespace: `podman system service` (its Docker-compatible API)
// with its own storage, run and temp roots, a CNI network of its own whose address bookkeeping stays in
// the lab folder, and a private mount namespace so nothing it mounts shows on the host.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mustRun, run, type RunResult } from './exec.js';
import { startDaemon } from './daemons.js';
import { untilPing } from './engine.js';
import { podmanCliEnv } from './teardown.js';

/** Podman's own default bridge name and subnet, made by us so the iptables rules can name it before any container runs. */
export const PODMAN_BRIDGE = 'cni-podman0';
export const PODMAN_GATEWAY = '10.88.0.1';
const NETWORK = 'mdplab';

export class PodmanEngine {
  readonly socketPath: string;
  readonly url: string;

  constructor(
    private readonly netns: string,
    private readonly dir: string,
  ) {
    this.socketPath = join(dir, 'podman.sock');
    this.url = `unix://${this.socketPath}`;
  }

  async start(): Promise<void> {
    const root = join(this.dir, 'podman');
    for (const folder of ['cni', 'cni-state', 'tmp', 'var-lib-containers']) mkdirSync(join(root, folder), { recursive: true });
    writeFileSync(
      join(root, 'containers.conf'),
      [
        '[containers]',
        // The machine's hard limits are below Podman's defaults (nproc 4194304): runc would fail to set them.
        'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]',
        '[engine]',
        // `rm --force` kills at once, as Docker's does (busybox sleep as pid 1 ignores SIGTERM).
        'stop_timeout = 0',
        'cgroup_manager = "cgroupfs"',
        'events_logger = "file"',
        `events_logfile_path = "${join(root, 'events.log')}"`,
        `tmp_dir = "${join(root, 'tmp')}"`,
        '[network]',
        'network_backend = "cni"',
        `network_config_dir = "${join(root, 'cni')}"`,
        `default_network = "${NETWORK}"`,
        '',
      ].join('\n'),
    );
    // As Podman's default network, but host-local's address leases live in the lab folder, not /var/lib/cni.
    writeFileSync(
      join(root, 'cni', `${NETWORK}.conflist`),
      JSON.stringify({
        cniVersion: '0.4.0',
        name: NETWORK,
        plugins: [
          {
            type: 'bridge', bridge: PODMAN_BRIDGE, isGateway: true, ipMasq: false, hairpinMode: true,
            ipam: { type: 'host-local', dataDir: join(root, 'cni-state'), routes: [{ dst: '0.0.0.0/0' }], ranges: [[{ subnet: '10.88.0.0/16', gateway: PODMAN_GATEWAY }]] },
          },
          { type: 'firewall' },
        ],
      }),
    );
    for (const args of [
      ['link', 'add', PODMAN_BRIDGE, 'type', 'bridge'],
      ['addr', 'add', `${PODMAN_GATEWAY}/16`, 'dev', PODMAN_BRIDGE],
      ['link', 'set', PODMAN_BRIDGE, 'up'],
    ]) await mustRun('ip', ['-n', this.netns, ...args]);
    const podman = [
      'podman', '--root', join(root, 'storage'), '--runroot', join(root, 'run'),
      'system', 'service', '--time=0', this.url,
    ].join(' ');
    // Podman keeps an image cache in /var/lib/containers whatever --root says: a bind mount keeps it in the lab.
    const script = `mkdir -p /var/lib/containers && mount --bind ${join(root, 'var-lib-containers')} /var/lib/containers && exec ${podman}`;
    const daemon = startDaemon(this.netns, this.dir, 'podman', 'unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], podmanCliEnv(this.dir));
    await untilPing(daemon, this.socketPath);
  }

  /** The podman CLI against this service; named like DockerEngine's so the lab's container helpers take either. */
  docker(args: readonly string[], timeoutMs = 60_000): Promise<string> {
    return mustRun('podman', ['--url', this.url, ...args], { env: podmanCliEnv(this.dir), timeoutMs });
  }

  dockerResult(args: readonly string[], timeoutMs = 60_000): Promise<RunResult> {
    return run('podman', ['--url', this.url, ...args], { env: podmanCliEnv(this.dir), timeoutMs });
  }
}
