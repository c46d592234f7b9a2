// Capped exponential backoff with jitter (half fixed, half random), so many proxies retrying the same
// restarted daemon or throttled STS do not all come back at once.

/** Delay before retry number `attempt` (0 for the first retry). */
export function jitteredBackoffMs(attempt: number, minMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return ceiling / 2 + (random() * ceiling) / 2;
}
