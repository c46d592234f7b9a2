// What the proxy itself says about holds, from its JSON request log: how long misses on IAM routes were
// held for the identity sources to catch up (p50/p99/max), and how many IAM answers took over a second
// inside the proxy (the probes' own timings include process start-up in a loaded container).

export interface HoldTimes {
  held: number;
  p50: number;
  p99: number;
  max: number;
  /** IAM-route requests whose latency in the proxy exceeded one second. */
  slowIam: number;
}

const IAM_ROUTE = /\/meta-data\/iam\//;

/** The value at quantile q of ascending `sorted` (nearest rank), 0 when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** `counted` picks entries by their time (epoch ms), to leave out the windows with something broken on purpose. */
export function holdTimes(log: string, counted: (timeMs: number) => boolean = () => true): HoldTimes {
  const holds: number[] = [];
  let slowIam = 0;
  for (const line of log.split('\n')) {
    if (!line.includes('"msg":"request"')) continue;
    let entry: { time?: number; path?: string; heldMs?: number; latencyMs?: number };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    if (!IAM_ROUTE.test(entry.path ?? '') || (entry.time !== undefined && !counted(entry.time))) continue;
    if (typeof entry.heldMs === 'number') holds.push(entry.heldMs);
    if ((entry.latencyMs ?? 0) > 1000) slowIam++;
  }
  holds.sort((a, b) => a - b);
  return { held: holds.length, p50: quantile(holds, 0.5), p99: quantile(holds, 0.99), max: holds.at(-1) ?? 0, slowIam };
}
