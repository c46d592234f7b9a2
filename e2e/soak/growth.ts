// "Does RSS or the fd count grow without bound?", answered from samples taken through the run: the median
// of the last window against the median of the first, where a window is a minute, or a fifth of a run
// shorter than five minutes. Medians, so one sample taken during a burst decides nothing.

export interface Sample {
  /** Seconds since the soak's load started. */
  at: number;
  rssMb: number;
  fds: number;
}

export interface Growth {
  first: number;
  last: number;
  limit: number;
  grew: boolean;
}

/**
 * Growth allowed between the windows. RSS: half the first window's median, and at least 32 MB, which covers
 * Node's heap settling under load after start-up. fds: 64 above the first window's median, which covers
 * the connections open at any moment (a probe's request, upstream keep-alive sockets, the Docker streams);
 * a leak per request or per container exceeds it within minutes at the soak's rates.
 */
export const RSS_GROWTH = { factor: 1.5, minimumMb: 32 };
export const FD_GROWTH = 64;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function windowSeconds(runSeconds: number): number {
  return Math.min(60, runSeconds / 5);
}

function windows(samples: readonly Sample[], runSeconds: number): [Sample[], Sample[]] {
  const span = windowSeconds(runSeconds);
  const end = samples.at(-1)?.at ?? 0;
  const first = samples.filter((s) => s.at <= span);
  const last = samples.filter((s) => s.at >= end - span);
  return [first.length > 0 ? first : samples.slice(0, 1), last.length > 0 ? last : samples.slice(-1)];
}

export function growth(samples: readonly Sample[], runSeconds: number): { rss: Growth; fds: Growth } {
  if (samples.length === 0) throw new Error('no samples of the proxy process');
  const [first, last] = windows(samples, runSeconds);
  const rssFirst = median(first.map((s) => s.rssMb));
  const rssLast = median(last.map((s) => s.rssMb));
  const rssLimit = rssFirst + Math.max(RSS_GROWTH.minimumMb, rssFirst * (RSS_GROWTH.factor - 1));
  const fdFirst = median(first.map((s) => s.fds));
  const fdLast = median(last.map((s) => s.fds));
  return {
    rss: { first: rssFirst, last: rssLast, limit: rssLimit, grew: rssLast > rssLimit },
    fds: { first: fdFirst, last: fdLast, limit: fdFirst + FD_GROWTH, grew: fdLast > fdFirst + FD_GROWTH },
  };
}
