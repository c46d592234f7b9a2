// The proxy under test, as an operator runs it: the built CLI, configured by environment (and optionally
// a config file), started inside the lab's namespace on the bridge address the DNAT rule points at.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './exec.js';
import { logTail, startDaemon, type Daemon } from './daemons.js';
import { stopPid } from './teardown.js';
import type { LabAgent } from './agent-client.js';
import type { StatusReport } from '../../src/admin/status-report.js';

export const TEST_ACCOUNT = '123456789012';
/** Fixed ports are safe: the namespace is ours alone. */
export const PROXY_PORT = 8080;
export const ADMIN_PORT = 8001;

export const PROXY_CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

export interface ProxyOptions {
  /** Settings on top of the lab's (see `labEnvironment`). */
  env?: Record<string, string>;
  /** Content of a config file passed with `-c` (e.g. ec2metaproxy's aliasToARN). */
  configFile?: Record<string, unknown>;
}

export interface LabProxyContext {
  netns: string;
  dir: string;
  gateway: string;
  /** With it, the proxy listens on both bridge addresses (HOST as a list). */
  gateway6?: string;
  dockerUrl: string;
  agent: LabAgent;
}

/** What every lab proxy gets: the lab's Docker engine, the stub IMDS, the fake STS/IAM, dummy own keys. */
export function labEnvironment(lab: LabProxyContext): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: lab.dir, // no ~/.aws of the machine's user
    HOST: lab.gateway6 === undefined ? lab.gateway : `${lab.gateway},${lab.gateway6}`,
    PORT: String(PROXY_PORT),
    ADMIN_LISTEN: `127.0.0.1:${ADMIN_PORT}`,
    DOCKER_URL: lab.dockerUrl,
    METADATA_URL: lab.agent.imdsUrl,
    AWS_ENDPOINT_URL_STS: lab.agent.awsUrl,
    AWS_ENDPOINT_URL_IAM: lab.agent.awsUrl,
    AWS_ACCESS_KEY_ID: 'AKIAE2ELABPROXY00000',
    AWS_SECRET_ACCESS_KEY: 'e2e-lab-proxy-own-secret',
    AWS_REGION: 'us-east-1',
    DEFAULT_ACCOUNT_ID: TEST_ACCOUNT,
    VERBOSE: 'true',
  };
}

export class LabProxy {
  private daemon: Daemon | undefined;

  constructor(private readonly lab: LabProxyContext) {}

  get logFile(): string {
    return join(this.lab.dir, 'logs', 'proxy.log');
  }

  logTail(lines = 60): string {
    return logTail(this.logFile, lines);
  }

  /** Starts the proxy and waits until its admin listener reports it ready (index synced, config loaded). */
  async start(options: ProxyOptions = {}): Promise<void> {
    if (this.daemon) throw new Error('proxy already running');
    const args = [PROXY_CLI];
    if (options.configFile) {
      const file = join(this.lab.dir, 'proxy-config.json');
      writeFileSync(file, JSON.stringify(options.configFile));
      args.push('-c', file);
    }
    const env = { ...labEnvironment(this.lab), ...options.env };
    const daemon = startDaemon(this.lab.netns, this.lab.dir, 'proxy', process.execPath, args, env);
    this.daemon = daemon;
    await this.untilReadiness(200, () => {
      if (daemon.exited()) throw new Error(`proxy exited:\n${logTail(daemon.logFile)}`);
    });
  }

  /** Waits until /readyz answers `status` (200 ready, 503 not ready). */
  async untilReadiness(status: 200 | 503, check: () => void = () => {}): Promise<void> {
    await waitFor(`/readyz to answer ${status}`, async () => {
      check();
      return (await this.admin('/readyz')).status === status ? true : undefined;
    }, 30_000);
  }

  /** GET on the admin listener, which is on the namespace's loopback only. */
  admin(path: string): Promise<{ status: number; body: string }> {
    return this.lab.agent.fetch(`http://127.0.0.1:${ADMIN_PORT}${path}`);
  }

  async status(): Promise<StatusReport> {
    return JSON.parse((await this.admin('/status')).body) as StatusReport;
  }

  /** The proxy's own process (nsenter execs it), for reading its /proc entries. */
  get pid(): number | undefined {
    return this.daemon?.child.pid;
  }

  /** Started and not exited since. */
  running(): boolean {
    return this.daemon !== undefined && !this.daemon.exited();
  }

  stop(): void {
    const pid = this.daemon?.child.pid;
    if (pid !== undefined) stopPid(pid, 5_000);
    this.daemon = undefined;
  }

  async restart(options: ProxyOptions = {}): Promise<void> {
    this.stop();
    await this.start(options);
  }
}
