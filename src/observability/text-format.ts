// The `text` log format: one readable line per record, made from pino's JSON line in the same process
// (synchronous, no worker thread): `2024-05-01T10:00:00.000Z INFO  message key=value key="two words"`.

export function formatTextLine(jsonLine: string): string {
  const { time, level, msg, ...fields } = JSON.parse(jsonLine) as Record<string, unknown>;
  let line = `${String(time)} ${String(level).toUpperCase().padEnd(5)} ${msg === undefined ? '' : String(msg)}`;
  for (const [key, value] of Object.entries(fields)) line += ` ${key}=${formatValue(value)}`;
  return line + '\n';
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? 'undefined';
}
