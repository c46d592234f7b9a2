// Child processes of the bench: every server and load generator runs in its own process (pinned to its own
// CPU when there are two), so nothing measured shares an event loop with anything else.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';

const started = new Set<ChildProcess>();

export interface NodeProcessOptions {
  cpu?: number;
  env?: NodeJS.ProcessEnv;
  /** Extra flags for node itself (e.g. --cpu-prof). */
  nodeFlags?: string[];
  ipc?: boolean;
  /** Keep stdout and stderr readable (default: inherited). */
  pipeOutput?: boolean;
}

export function spawnNode(script: string, args: string[], options: NodeProcessOptions = {}): ChildProcess {
  const nodeArgs = [...(options.nodeFlags ?? []), script, ...args];
  const output = options.pipeOutput ? 'pipe' : 'inherit';
  const stdio: StdioOptions = ['ignore', output, output, ...(options.ipc ? ['ipc' as const] : [])];
  // taskset execs node in place, so the pid (and /proc/PID) is node's own.
  const child =
    options.cpu === undefined
      ? spawn(process.execPath, nodeArgs, { stdio, env: options.env ?? process.env })
      : spawn('taskset', ['-c', String(options.cpu), process.execPath, ...nodeArgs], { stdio, env: options.env ?? process.env });
  started.add(child);
  child.once('exit', () => started.delete(child));
  return child;
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/** Last resort (watchdog, crash): kill every child this run started, one by one. */
export function killAllStarted(): void {
  for (const child of started) child.kill('SIGKILL');
}

/** A child script that answers `{ id, ... }` requests with `{ id, result }` or `{ id, error }` over IPC. */
export class WorkerProcess {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  private constructor(readonly child: ChildProcess) {
    child.on('message', (message: { id: number; result?: unknown; error?: string }) => {
      const entry = this.waiting.get(message.id);
      if (entry === undefined) return;
      this.waiting.delete(message.id);
      if (message.error !== undefined) entry.reject(new Error(message.error));
      else entry.resolve(message.result);
    });
    child.once('exit', (code, signal) => {
      for (const entry of this.waiting.values()) entry.reject(new Error(`bench child exited (${signal ?? code})`));
      this.waiting.clear();
    });
  }

  static start(script: string, args: string[], options: Omit<NodeProcessOptions, 'ipc'> = {}): WorkerProcess {
    return new WorkerProcess(spawnNode(script, args, { ...options, ipc: true }));
  }

  get pid(): number {
    return this.child.pid!;
  }

  request<T>(payload: object): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, ...payload });
    });
  }

  stop(): Promise<void> {
    return stopProcess(this.child);
  }
}

/** Child side of WorkerProcess. */
export function answerRequests(handle: (payload: Record<string, unknown>) => Promise<unknown>): void {
  process.on('message', (message: { id: number } & Record<string, unknown>) => {
    handle(message).then(
      (result) => process.send!({ id: message.id, result }),
      (error: unknown) => process.send!({ id: message.id, error: (error as Error).stack ?? String(error) }),
    );
  });
  // A clean exit either way, so `--cpu-prof` gets to write its profile.
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}

/** User + system CPU time of a process, in milliseconds. */
export function cpuTimeMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may itself hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** CPU time every process on the machine used so far (user, nice, system, irq, softirq, steal), in ms. */
export function machineBusyMs(): number {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return ((user! + nice! + system! + irq! + softirq! + steal!) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Linux's USER_HZ, fixed at 100 on every architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

/** Resident set size now and at its peak, in MiB. */
export function memoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}
