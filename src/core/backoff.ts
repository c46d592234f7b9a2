// Capped exponential backoff. Jittered (half fixed, half random) where many proxies retry the same restarted
// daemon or throttled STS, so they do not all come back at once; plain for the host's own IMDS token.

/** Delay before retry number `attempt` (0 for the first retry): `minMs` doubling per attempt, at most `maxMs`. */
export function backoffMs(attempt: number, minMs: number, maxMs: number): number {
  return Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
}

/** The same, with the second half of the delay random. */
export function jitteredBackoffMs(attempt: number, minMs: number, maxMs: number, random: () => number): number {
  const ceiling = backoffMs(attempt, minMs, maxMs);
  return ceiling / 2 + (random() * ceiling) / 2;
}
