// Keep-alive load with autocannon. Latencies are taken from its per-response event (fractional ms) into our
// own histogram, because autocannon's histogram rounds to whole milliseconds.
import autocannon from 'autocannon';
import { LatencyHistogram } from './histogram.js';
import type { LoadResult } from './load-result.js';

export interface AutocannonJob {
  url: string;
  connections: number;
  durationS: number;
  headers?: Record<string, string>;
}

export function runAutocannon(job: AutocannonJob): Promise<LoadResult> {
  const histogram = new LatencyHistogram();
  let non2xx = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { url: job.url, connections: job.connections, duration: job.durationS, headers: job.headers ?? {}, pipelining: 1 },
      (error, result) => {
        if (error) return reject(error);
        resolve({
          ok: histogram.count,
          non2xx,
          errors: result.errors + result.timeouts,
          elapsedS: result.duration,
          latency: histogram.snapshot(),
        });
      },
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status >= 200 && status < 300) histogram.recordMs(ms);
      else non2xx++;
    });
  });
}
