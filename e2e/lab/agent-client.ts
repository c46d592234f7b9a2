// The test process's side of netns-agent: starts it inside the namespace and talks to it over its socket.
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { logTail, startDaemon } from './daemons.js';
import { unixGet } from './unix-http.js';

export interface StsCall {
  /** Date.now() when the call arrived at the fake STS. */
  at: number;
  action: string;
  roleArn?: string;
  sessionName?: string;
  /** Every form parameter as sent (Tags.member.N.Key, SourceIdentity, DurationSeconds, …). */
  params: Record<string, string>;
  status: number;
  /** AccessKeyId of the credentials handed out, for successful AssumeRole calls. */
  issuedKeyId?: string;
}

const AGENT_SCRIPT = fileURLToPath(new URL('./netns-agent.js', import.meta.url));

export class LabAgent {
  private constructor(
    private readonly controlSocket: string,
    /** The IMDS stub: the proxy's upstream METADATA_URL. */
    readonly imdsUrl: string,
    /** The fake STS and IAM: the proxy's AWS_ENDPOINT_URL_STS and _IAM. */
    readonly awsUrl: string,
  ) {}

  static async start(netns: string, dir: string): Promise<LabAgent> {
    const controlSocket = join(dir, 'agent.sock');
    const daemon = startDaemon(netns, dir, 'agent', process.execPath, [AGENT_SCRIPT, controlSocket], process.env, 'pipe');
    const stdout = daemon.child.stdout!;
    const firstLine = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`netns agent did not start:\n${logTail(daemon.logFile)}`)), 30_000);
      const lines = createInterface({ input: stdout });
      lines.once('line', (line) => {
        clearTimeout(timer);
        lines.close();
        resolve(line);
      });
      daemon.child.once('exit', () => reject(new Error(`netns agent exited:\n${logTail(daemon.logFile)}`)));
    });
    stdout.destroy(); // nothing more is printed; a pipe left open would keep the test process alive
    const { imdsUrl, awsUrl } = JSON.parse(firstLine) as { imdsUrl: string; awsUrl: string };
    return new LabAgent(controlSocket, imdsUrl, awsUrl);
  }

  async stsCalls(): Promise<StsCall[]> {
    return JSON.parse((await unixGet(this.controlSocket, '/sts-calls')).body) as StsCall[];
  }

  async assumeRoleCalls(roleArn: string): Promise<StsCall[]> {
    return (await this.stsCalls()).filter((call) => call.action === 'AssumeRole' && call.roleArn === roleArn);
  }

  /** The fake STS stops answering (false) or answers again (true). */
  async setStsReachable(reachable: boolean): Promise<void> {
    await this.control(`/sts-reachable?on=${reachable ? 1 : 0}`);
  }

  /** The IMDS stub stops answering (true) or answers again (false). */
  async setImdsHanging(hanging: boolean): Promise<void> {
    await this.control(`/imds-hang?on=${hanging ? 1 : 0}`);
  }

  private async control(path: string): Promise<void> {
    const answer = await unixGet(this.controlSocket, path);
    if (answer.status !== 200) throw new Error(`agent ${path}: ${answer.body}`);
  }

  /** A GET made from inside the namespace (for the proxy's loopback-only admin listener, for instance). */
  async fetch(url: string): Promise<{ status: number; body: string }> {
    const answer = await unixGet(this.controlSocket, `/fetch?url=${encodeURIComponent(url)}`);
    if (answer.status !== 200) throw new Error(`agent could not fetch ${url}: ${answer.body}`);
    return JSON.parse(answer.body) as { status: number; body: string };
  }
}
