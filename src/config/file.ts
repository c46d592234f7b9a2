// The JSON config file given with -c: our keys plus dump247/ec2metaproxy's (`listen`, `aliasToARN`,
// `defaultAlias`, `defaultPolicy`, `dockerHost`, `verbose`). Unknown keys are errors, so typos surface.
import { isPlainObject, splitHostPort } from './parsers.js';
import { settings, type Setting } from './settings.js';
import { closestName } from './suggest.js';

export type ReadFile = (path: string) => string;

export interface FileValue {
  row: Setting;
  raw: unknown;
  label: string;
}

/** Keys that set more than one setting; documented next to the settings they feed. */
export const COMBINED_FILE_KEYS: Readonly<Record<string, string>> = { host: 'listen', port: 'listen' };

export function readConfigFile(path: string, flagLabel: string, readFile: ReadFile): { values: FileValue[]; errors: string[] } {
  const prefix = `${flagLabel} ${path}`;
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    return { values: [], errors: [`${prefix}: cannot read file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`] };
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    return { values: [], errors: [`${prefix}: expected a JSON object: ${(error as Error).message}`] };
  }
  if (!isPlainObject(document)) return { values: [], errors: [`${prefix}: expected a JSON object`] };

  const values: FileValue[] = [];
  const errors: string[] = [];
  for (const [key, raw] of Object.entries(expandListen(document, prefix, errors))) {
    if (raw === null) continue; // an explicit null reads as "not set"
    const row = settings.find((s) => s.fileKeys.includes(key));
    if (row) values.push({ row, raw, label: `${prefix}: ${key}` });
    else {
      const hint = closestName(key, ['listen', ...settings.flatMap((s) => s.fileKeys)]);
      errors.push(`${prefix}: unknown key ${JSON.stringify(key)}${hint === undefined ? '' : ` (did you mean ${JSON.stringify(hint)}?)`}`);
    }
  }
  return { values, errors };
}

/** ec2metaproxy's `listen` (":18000" or "host:port", Go's form) becomes our `host` and `port` keys. */
function expandListen(document: Record<string, unknown>, prefix: string, errors: string[]): Record<string, unknown> {
  const { listen, ...rest } = document;
  if (listen === undefined || listen === null) return document;
  const label = `${prefix}: listen`;
  if ('host' in rest || 'port' in rest) {
    errors.push(`${label}: give either listen or host and port, not both`);
    return rest;
  }
  const parsed = typeof listen === 'string' ? splitHostPort(listen, true) : undefined;
  if (!parsed) {
    errors.push(`${label}: expected ":PORT" or "HOST:PORT", got ${JSON.stringify(listen)}`);
    return rest;
  }
  return parsed.host === '' ? { ...rest, port: parsed.port } : { ...rest, host: parsed.host, port: parsed.port };
}
