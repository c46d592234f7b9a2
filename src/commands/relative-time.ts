// Credential expiry as people read it: "in 42m", "in 1h 5m", "expired 3m ago".

export function relativeExpiry(expiresAtMs: number, nowMs: number): string {
  const delta = expiresAtMs - nowMs;
  return delta >= 0 ? `in ${duration(delta)}` : `expired ${duration(-delta)} ago`;
}

function duration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours}h` : `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d`;
}
