// Keep-alive load from many caller addresses at once, which autocannon cannot do (it has no localAddress).
// A pool of connections is opened first, each bound to the next caller address; then requests go out on
// the least recently used idle connection, `inFlight` at a time. Consecutive requests therefore come from
// different callers (a different identity lookup each time), and no connection is opened while measuring,
// so every configuration pays exactly the same client and connection costs.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { LatencyHistogram } from './histogram.js';
import type { LoadResult } from './load-result.js';

export interface CallerTarget {
  localAddress: string;
  path: string;
}

export interface AddressLoadJob {
  host: string;
  port: number;
  durationS: number;
  /** One connection per target, opened before the clock starts. */
  targets: CallerTarget[];
  /** Requests outstanding at any time. */
  inFlight: number;
  headers?: Record<string, string>;
}

export interface EveryCallerJob {
  host: string;
  port: number;
  targets: CallerTarget[];
  concurrency: number;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:\s*(\d+)/i;
const EMPTY = Buffer.alloc(0);

function requestBytes(job: { host: string; port: number; headers?: Record<string, string> }, target: CallerTarget): Buffer {
  const extra = Object.entries(job.headers ?? {}).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  return Buffer.from(`GET ${target.path} HTTP/1.1\r\nHost: ${job.host}:${job.port}\r\n${extra}\r\n`);
}

/** One keep-alive connection from one caller address, one request at a time. */
class CallerConnection {
  readonly socket: net.Socket;
  /** A request is out and unanswered. */
  busy = false;
  private pending: Buffer = EMPTY;
  private sentAt = 0;

  constructor(
    host: string,
    port: number,
    target: CallerTarget,
    private readonly request: Buffer,
    onAnswer: (connection: CallerConnection, status: number, latencyMs: number) => void,
    onError: (connection: CallerConnection) => void,
  ) {
    this.socket = net.connect({ host, port, localAddress: target.localAddress });
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => {
      this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
      const headerEnd = this.pending.indexOf(HEADER_END);
      if (headerEnd < 0) return;
      const head = this.pending.subarray(0, headerEnd).toString('latin1');
      const length = Number(CONTENT_LENGTH.exec(head)?.[1] ?? 0);
      if (this.pending.length < headerEnd + 4 + length) return;
      this.pending = EMPTY;
      this.busy = false;
      onAnswer(this, Number(head.slice(9, 12)), performance.now() - this.sentAt);
    });
    this.socket.on('error', () => onError(this));
  }

  connected(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
  }

  send(): void {
    this.busy = true;
    this.sentAt = performance.now();
    this.socket.write(this.request);
  }

  close(): void {
    this.socket.destroy();
  }
}

export async function runAddressLoad(job: AddressLoadJob): Promise<LoadResult> {
  const histogram = new LatencyHistogram();
  let non2xx = 0;
  let errors = 0;
  let outstanding = 0;
  let deadline = Infinity;
  let finished: () => void = () => {};
  const idle: CallerConnection[] = [];
  const dispatch = (): void => {
    while (outstanding < job.inFlight && idle.length > 0 && performance.now() < deadline) {
      outstanding++;
      idle.shift()!.send();
    }
    if (outstanding === 0) finished();
  };
  const onAnswer = (connection: CallerConnection, status: number, latencyMs: number): void => {
    if (status >= 200 && status < 300) histogram.recordMs(latencyMs);
    else non2xx++;
    outstanding--;
    idle.push(connection);
    dispatch();
  };
  const onError = (connection: CallerConnection): void => {
    errors++;
    if (!connection.busy) return;
    connection.busy = false;
    outstanding--;
    dispatch();
  };
  const pool = job.targets.map((target) => new CallerConnection(job.host, job.port, target, requestBytes(job, target), onAnswer, onError));
  try {
    await Promise.all(pool.map((c) => c.connected()));
    idle.push(...pool);
    const started = performance.now();
    deadline = started + job.durationS * 1000;
    await new Promise<void>((resolve) => {
      finished = resolve;
      dispatch();
    });
    return { ok: histogram.count, non2xx, errors, elapsedS: (performance.now() - started) / 1000, latency: histogram.snapshot() };
  } finally {
    for (const connection of pool) connection.close();
  }
}

/** One request from every caller on its own connection, `concurrency` at a time: returns the 200s. */
export async function requestFromEveryCaller(job: EveryCallerJob): Promise<{ ok: number; failed: number }> {
  let next = 0;
  let ok = 0;
  let failed = 0;
  const once = (target: CallerTarget): Promise<void> =>
    new Promise((resolve) => {
      const connection = new CallerConnection(
        job.host,
        job.port,
        target,
        requestBytes(job, target),
        (c, status) => {
          if (status === 200) ok++;
          else failed++;
          c.close();
          resolve();
        },
        (c) => {
          failed++;
          c.close();
          resolve();
        },
      );
      connection.socket.once('connect', () => connection.send());
    });
  const worker = async (): Promise<void> => {
    while (next < job.targets.length) await once(job.targets[next++]!);
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  return { ok, failed };
}
