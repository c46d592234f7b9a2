// What every load run reports back to the orchestrator, whichever client produced it.
import type { HistogramSnapshot } from './histogram.js';

export interface LoadResult {
  /** Completed responses with a 2xx status. */
  ok: number;
  /** Completed responses with another status: the run measured the wrong thing. */
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  elapsedS: number;
  /** 2xx latencies, microsecond buckets. */
  latency: HistogramSnapshot;
}
