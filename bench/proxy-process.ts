// Our proxy as a separate process, started through its real command line (`dist/src/cli.js`) with a mapping
// file and offline STS unless told otherwise.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ChildProcess } from 'node:child_process';
import { ACCOUNT_ID, mappingFile, type BenchCaller } from './callers.js';
import { spawnNode, stopProcess } from './processes.js';

export const CLI_PATH = new URL('../src/cli.js', import.meta.url).pathname;

export function proxyAvailable(): boolean {
  return existsSync(CLI_PATH);
}

export interface ProxyLaunch {
  /** Folder for the mapping file. */
  workDir: string;
  name: string;
  callers: readonly BenchCaller[];
  cpu?: number;
  /** Settings on top of the bench defaults (offline STS, mock metadata, no Docker). */
  env?: Record<string, string>;
  nodeFlags?: string[];
}

export interface RunningProxy {
  port: number;
  pid: number;
  mappingPath: string;
  /** performance.now() just before the process was spawned. */
  spawnedAt: number;
  stop(): Promise<void>;
}

const LISTENING = /listening on http:\/\/[^\s"]*:(\d+)/;
const STARTUP_TIMEOUT_MS = 30_000;

/**
 * The proxy listens on port 0 and logs its address; the port is read from that line. Its output is drained
 * for its whole life (it logs synchronously, so an unread pipe would stall it) and kept out of the table;
 * the last lines explain a failed start.
 */
function listeningPort(child: ChildProcess, name: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const tail: string[] = [];
    const fail = (why: string) => reject(new Error(`proxy ${name} ${why}; last output: ${tail.join(' | ') || '(none)'}`));
    const timer = setTimeout(() => fail(`logged no listening address within ${STARTUP_TIMEOUT_MS} ms`), STARTUP_TIMEOUT_MS);
    const onLine = (line: string) => {
      tail.push(line.slice(0, 300));
      if (tail.length > 5) tail.shift();
      const port = LISTENING.exec(line)?.[1];
      if (port === undefined) return;
      clearTimeout(timer);
      resolve(Number(port));
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      fail(`exited (${signal ?? code})`);
    });
  });
}

export async function launchProxy(launch: ProxyLaunch): Promise<RunningProxy> {
  const mappingPath = join(launch.workDir, `${launch.name}-mapping.json`);
  await writeFile(mappingPath, mappingFile(launch.callers));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    HOST: '127.0.0.1',
    PORT: '0',
    ADMIN_LISTEN: '127.0.0.1:0',
    ROLE_MAPPING_FILE: mappingPath,
    MOCK_API: 'true',
    STS_MODE: 'offline',
    DOCKER: 'false',
    DEFAULT_ACCOUNT_ID: ACCOUNT_ID,
    ...launch.env,
  };
  const spawnedAt = performance.now();
  const child: ChildProcess = spawnNode(CLI_PATH, [], { cpu: launch.cpu, env, nodeFlags: launch.nodeFlags, pipeOutput: true });
  try {
    const port = await listeningPort(child, launch.name);
    return { port, pid: child.pid!, mappingPath, spawnedAt, stop: () => stopProcess(child) };
  } catch (error) {
    await stopProcess(child);
    throw error;
  }
}
