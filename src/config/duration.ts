// Go `time.ParseDuration` syntax, because go-metadataproxy users already write ROLE_CACHE_OFFSET=15m.
// Differences on purpose: no sign (a negative offset or wait makes no sense here).

const NS_PER_UNIT: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5 micro sign
  'μs': 1_000n, // U+03BC Greek mu, also accepted by Go
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const MAX_NS = 2n ** 63n - 1n; // Go's int64 Duration range
const COMPONENT = /^(\d*)(?:\.(\d*))?([^\d.]+)/;

/** Milliseconds for a Go duration such as `15m`, `1h15m30.5s`, `500ms` or `0`; undefined if invalid. */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0') return 0;
  let rest = text;
  let totalNs = 0n;
  if (rest === '') return undefined;
  while (rest !== '') {
    const match = COMPONENT.exec(rest);
    if (!match) return undefined;
    const [whole, intDigits = '', fracDigits = '', unit = ''] = match;
    const unitNs = NS_PER_UNIT[unit];
    if (unitNs === undefined || (intDigits === '' && fracDigits === '')) return undefined;
    totalNs += BigInt(intDigits || '0') * unitNs;
    if (fracDigits !== '') totalNs += (BigInt(fracDigits) * unitNs) / 10n ** BigInt(fracDigits.length);
    if (totalNs > MAX_NS) return undefined;
    rest = rest.slice(whole.length);
  }
  return Number(totalNs) / 1e6;
}

/** The shortest Go-style text for a whole number of milliseconds: 1800000 → `30m`, 1500 → `1.5s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  return (hours ? `${hours}h` : '') + (minutes ? `${minutes}m` : '') + (seconds ? `${seconds}s` : '');
}
