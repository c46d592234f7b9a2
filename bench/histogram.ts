// Latency histogram with 1 µs buckets. autocannon's own histogram keeps whole milliseconds, which hides
// everything that matters for sub-millisecond answers; this one is exact below its ceiling and can be
// shipped between processes and merged, so percentiles over several interleaved slices stay exact.

const CEILING_US = 200_000;

export interface HistogramSnapshot {
  /** [microseconds, count] for every non-empty bucket. */
  buckets: Array<[number, number]>;
  /** Samples at or above the ceiling, in microseconds. */
  overflow: number[];
}

export class LatencyHistogram {
  private readonly counts = new Uint32Array(CEILING_US);
  private readonly overflow: number[] = [];
  count = 0;

  recordMs(ms: number): void {
    const us = Math.round(ms * 1000);
    if (us < CEILING_US) this.counts[us]!++;
    else this.overflow.push(us);
    this.count++;
  }

  snapshot(): HistogramSnapshot {
    const buckets: Array<[number, number]> = [];
    for (let us = 0; us < CEILING_US; us++) if (this.counts[us] !== 0) buckets.push([us, this.counts[us]!]);
    return { buckets, overflow: [...this.overflow] };
  }

  add(snapshot: HistogramSnapshot): void {
    for (const [us, n] of snapshot.buckets) this.counts[us]! += n, (this.count += n);
    for (const us of snapshot.overflow) this.overflow.push(us), this.count++;
  }

  /** Latency in milliseconds below which `quantile` of the samples fall. */
  percentileMs(quantile: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.ceil(quantile * this.count);
    let seen = 0;
    for (let us = 0; us < CEILING_US; us++) {
      seen += this.counts[us]!;
      if (seen >= rank) return us / 1000;
    }
    const sorted = [...this.overflow].sort((a, b) => a - b);
    return sorted[rank - seen - 1]! / 1000;
  }
}
