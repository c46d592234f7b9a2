// Long-running processes started inside the lab's network namespace. `nsenter --net` (not
// `ip netns exec`, which remounts /sys and breaks dockerd) joins only the network namespace and then
// execs the command, so the pid we record is the daemon's own.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pidFile } from './teardown.js';

export interface Daemon {
  readonly label: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  exited(): boolean;
}

export function logTail(logFile: string, lines = 40): string {
  try {
    return readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts `command` in namespace `netns`, output appended to `<dir>/logs/<label>.log`. Detached into its own
 * process group so a Ctrl-C on the test run reaches only us; the teardown stops it by its recorded pid.
 */
export function startDaemon(
  netns: string,
  dir: string,
  label: string,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  stdout: 'log' | 'pipe' = 'log',
): Daemon {
  mkdirSync(join(dir, 'logs'), { recursive: true });
  mkdirSync(join(dir, 'pids'), { recursive: true });
  const logFile = join(dir, 'logs', `${label}.log`);
  const log = openSync(logFile, 'a');
  const child = spawn('nsenter', [`--net=/run/netns/${netns}`, command, ...args], {
    env,
    detached: true,
    stdio: ['ignore', stdout === 'pipe' ? 'pipe' : log, log],
  });
  closeSync(log);
  if (child.pid === undefined) throw new Error(`could not start ${label} (${command})`);
  writeFileSync(pidFile(dir, label), String(child.pid));
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  child.unref();
  return { label, child, logFile, exited: () => exited };
}
