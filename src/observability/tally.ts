// Plain-number accumulators for the figures updated on every request. A prom-client label child hashes
// its labels on each inc()/observe(), which costs more than the rest of a warm answer; these cost an
// addition, and prom-client reads them only when /metrics is scraped.
import type { Counter, Registry } from 'prom-client';

export interface CounterTally {
  readonly labels: Readonly<Record<string, string>>;
  count: number;
  /** How much of `count` the Counter already holds. */
  reported: number;
}

export function counterTally(labels: Readonly<Record<string, string>>): CounterTally {
  return { labels, count: 0, reported: 0 };
}

/** Moves what the tallies gained since the last scrape into the Counter; its `collect` hook calls this. */
export function flushCounterTallies(counter: Counter, tallies: Iterable<CounterTally>): void {
  for (const tally of tallies) {
    if (tally.count === tally.reported) continue;
    counter.inc(tally.labels, tally.count - tally.reported);
    tally.reported = tally.count;
  }
}

export class HistogramTally {
  /** Observations per bucket, not cumulative; the last slot is above every bound (+Inf). */
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Readonly<Record<string, string>>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

export interface HistogramTallySpec {
  name: string;
  help: string;
  buckets: readonly number[];
  registers: Registry[];
}

/**
 * A histogram metric over tallies, in prom-client's export format (same lines as its own Histogram);
 * `tallies` is read at each scrape, so tallies added later show up.
 */
export function registerHistogramTallies(spec: HistogramTallySpec, tallies: () => Iterable<HistogramTally>): void {
  const { name, help, buckets } = spec;
  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    async get() {
      const values: ExportedValue[] = [];
      for (const { labels, counts, sum, count } of tallies()) {
        let cumulative = 0;
        buckets.forEach((le, i) => {
          cumulative += counts[i]!;
          values.push({ metricName: `${name}_bucket`, labels: { le, ...labels }, value: cumulative });
        });
        values.push(
          { metricName: `${name}_bucket`, labels: { le: '+Inf', ...labels }, value: count },
          { metricName: `${name}_sum`, labels, value: sum },
          { metricName: `${name}_count`, labels, value: count },
        );
      }
      return { name, help, type: 'histogram', aggregator: 'sum', values };
    },
  };
  // The registry only calls get() and reads name/help/type; its typings name prom-client's own classes.
  for (const registry of spec.registers) registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
}

interface ExportedValue {
  metricName: string;
  labels: Readonly<Record<string, string | number>>;
  value: number;
}
