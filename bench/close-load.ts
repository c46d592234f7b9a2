// Load where every request opens a connection of its own and asks for it to be closed (`Connection: close`),
// as SDK clients without keep-alive do. autocannon cannot do this (it keeps its connections). Latency runs
// from the connect call to the server closing the connection after its answer.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { LatencyHistogram } from './histogram.js';
import type { LoadResult } from './load-result.js';

export interface CloseLoadJob {
  host: string;
  port: number;
  path: string;
  /** Requests outstanding at any time, each on its own new connection. */
  connections: number;
  durationS: number;
}

export async function runCloseLoad(job: CloseLoadJob): Promise<LoadResult> {
  const histogram = new LatencyHistogram();
  const request = Buffer.from(`GET ${job.path} HTTP/1.1\r\nHost: ${job.host}:${job.port}\r\nConnection: close\r\n\r\n`);
  let non2xx = 0;
  let errors = 0;

  function once(): Promise<void> {
    return new Promise((resolve) => {
      const started = performance.now();
      let statusLine = '';
      const socket = net.connect({ host: job.host, port: job.port }, () => socket.write(request));
      socket.setNoDelay(true);
      socket.on('data', (chunk: Buffer) => {
        if (statusLine.length < 12) statusLine += chunk.toString('latin1', 0, 12);
      });
      socket.on('error', () => errors++);
      socket.on('close', (hadError) => {
        if (!hadError) {
          const status = Number(statusLine.slice(9, 12));
          if (status >= 200 && status < 300) histogram.recordMs(performance.now() - started);
          else non2xx++;
        }
        resolve();
      });
    });
  }

  const started = performance.now();
  const deadline = started + job.durationS * 1000;
  await Promise.all(
    Array.from({ length: job.connections }, async () => {
      while (performance.now() < deadline) await once();
    }),
  );
  return { ok: histogram.count, non2xx, errors, elapsedS: (performance.now() - started) / 1000, latency: histogram.snapshot() };
}
