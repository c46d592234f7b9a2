// Keep-alive load from many caller addresses at once, which autocannon cannot do (it has no localAddress).
// Each connection binds the next caller address in turn, sends `requestsPerConnection` requests one after
// another, then makes way for the next address; with many connections in flight, consecutive requests
// reach the server from different callers, so every request is a different identity lookup.
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
  connections: number;
  durationS: number;
  requestsPerConnection: number;
  targets: CallerTarget[];
  headers?: Record<string, string>;
  /** Stop after this many connections (one pass over every caller), whatever the time left. */
  totalConnections?: number;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:\s*(\d+)/i;

export function runAddressLoad(job: AddressLoadJob): Promise<LoadResult> {
  const histogram = new LatencyHistogram();
  const extra = Object.entries(job.headers ?? {}).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  const requests = job.targets.map((t) => Buffer.from(`GET ${t.path} HTTP/1.1\r\nHost: ${job.host}:${job.port}\r\n${extra}\r\n`));
  const connectionLimit = job.totalConnections ?? Infinity;
  let nextTarget = 0;
  let non2xx = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + job.durationS * 1000;

  function lane(): Promise<void> {
    return new Promise((resolve) => {
      const open = (): void => {
        if (performance.now() >= deadline || nextTarget >= connectionLimit) return resolve();
        const index = nextTarget++ % requests.length;
        const request = requests[index]!;
        const socket = net.connect({ host: job.host, port: job.port, localAddress: job.targets[index]!.localAddress });
        socket.setNoDelay(true);
        let sent = 0;
        let sentAt = 0;
        let pending: Buffer = Buffer.alloc(0);
        const send = (): void => {
          sent++;
          sentAt = performance.now();
          socket.write(request);
        };
        socket.once('connect', send);
        socket.on('data', (chunk: Buffer) => {
          pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
          const headerEnd = pending.indexOf(HEADER_END);
          if (headerEnd < 0) return;
          const head = pending.subarray(0, headerEnd).toString('latin1');
          const length = Number(CONTENT_LENGTH.exec(head)?.[1] ?? 0);
          if (pending.length < headerEnd + 4 + length) return;
          pending = Buffer.alloc(0);
          const status = Number(head.slice(9, 12));
          if (status >= 200 && status < 300) histogram.recordMs(performance.now() - sentAt);
          else non2xx++;
          if (sent < job.requestsPerConnection && performance.now() < deadline) return send();
          socket.removeAllListeners('close');
          socket.once('close', open);
          socket.end();
        });
        socket.on('error', () => errors++);
        socket.once('close', open);
      };
      open();
    });
  }

  return Promise.all(Array.from({ length: job.connections }, lane)).then(() => ({
    ok: histogram.count,
    non2xx,
    errors,
    elapsedS: (performance.now() - started) / 1000,
    latency: histogram.snapshot(),
  }));
}
