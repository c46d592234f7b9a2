// The resolved configuration as an operator reads it (start-up log, /status, `--debug`), secrets redacted.
import { settings } from './settings.js';
import type { Config } from './types.js';
import type { ConfigSources } from './load.js';

export const REDACTED = '<redacted>';
const SECRET_FIELDS = new Set(settings.filter((s) => s.secret).map((s) => s.field));
const TABLE_ORDER = [...new Set(settings.map((s) => s.field as string))];
const rank = (field: string) => (TABLE_ORDER.includes(field) ? TABLE_ORDER.indexOf(field) : TABLE_ORDER.length);

/** A plain JSON-safe copy: secrets replaced, the regex as its source text. */
export function redactConfig(config: Config): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(config)) {
    if (value === undefined) continue;
    copy[field] = SECRET_FIELDS.has(field as keyof Config) ? REDACTED : value instanceof RegExp ? value.source : value;
  }
  return copy;
}

/** One line per setting in table order: `field  value  (source)`, aligned; unset optional ones left out. */
export function describeConfig(config: Config, sources: ConfigSources = {}): string {
  const entries = Object.entries(redactConfig(config)).sort(([a], [b]) => rank(a) - rank(b));
  const width = Math.max(...entries.map(([field]) => field.length));
  return entries
    .map(([field, value]) => {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      return `${field.padEnd(width)}  ${text}  (${sources[field as keyof Config] ?? 'default'})`;
    })
    .join('\n');
}
