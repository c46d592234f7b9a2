// GELF 1.1 additional fields: `_`-prefixed, flat, string or number values only.

/** pino level label → syslog severity, as GELF wants it. */
export const GELF_LEVELS: Readonly<Record<string, number>> = {
  fatal: 2,
  error: 3,
  warn: 4,
  info: 6,
  debug: 7,
  trace: 7,
};

const MAX_DEPTH = 4;

/** `{ err: { message } }` → `{ _err_message }`; `id` becomes `_id_` because GELF reserves `_id`. */
export function gelfFields(object: Record<string, unknown>): Record<string, string | number> {
  const fields: Record<string, string | number> = {};
  flatten(object, '', fields, 0);
  return fields;
}

function flatten(value: Record<string, unknown>, prefix: string, into: Record<string, string | number>, depth: number): void {
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined || item === null) continue;
    const name = `${prefix}_${key.replace(/[^\w.-]/g, '_')}`;
    const field = name === '_id' ? '_id_' : name;
    if (typeof item === 'number') into[field] = item;
    else if (typeof item === 'object' && !Array.isArray(item) && !(item instanceof Date) && depth < MAX_DEPTH) {
      flatten(item as Record<string, unknown>, name, into, depth + 1);
    } else into[field] = typeof item === 'string' ? item : JSON.stringify(item);
  }
}
