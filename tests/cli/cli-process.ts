// Runs the real CLI as a child process and reads its JSON log lines, for tests of what only a whole
// process shows: signals, start-up, the logs of a full run.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

export interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  admin: string;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  exited: Promise<number | null>;
}

export async function startCli(args: string[], env: Record<string, string>): Promise<CliProcess> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ADMIN_LISTEN: '127.0.0.1:0', LOG_FORMAT: 'json', DOCKER: 'false', ...env },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = Date.now();
  while (!/listening on (http:\/\/\S+), admin http:\/\/([\d.:]+)/.test(output)) {
    if (child.exitCode !== null || Date.now() - started > 20_000) throw new Error(`CLI did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const [, url, admin] = /listening on (http:\/\/\S+), admin http:\/\/([\d.:]+)/.exec(output)!;
  return { child, url: url!.replace(/,$/, ''), admin: admin!.replace(/;$/, ''), output: () => output, exited };
}

/** A port free a moment ago on 127.0.0.1, for tests that need a fixed PORT. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
