// Resolves the configuration from flags, environment and config file (in that precedence) over the
// defaults, and reports every problem at once, one line each, naming where the bad value came from.
import { parseArgv, type ExtraFlag, type ExtraValues } from './argv.js';
import { formatDuration } from './duration.js';
import { readConfigFile, type ReadFile } from './file.js';
import { settings, type Setting } from './settings.js';
import type { Config } from './types.js';

export type { ExtraFlag, ExtraValues, ReadFile };

/** Where each setting came from, e.g. `PORT`, `--port`, `-c /etc/mp.json: port`; absent → default. */
export type ConfigSources = { [K in keyof Config]?: string };

export interface LoadInput {
  /** Arguments after the program (and sub-command) name. */
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  /** Reads a file as UTF-8 text; throws (with `code`, e.g. ENOENT) when it cannot. */
  readFile: ReadFile;
  /** Flags a sub-command adds; their values come back in `extra`. */
  extraFlags?: readonly ExtraFlag[];
}

export type LoadResult =
  | { ok: true; action: 'run'; config: Config; sources: ConfigSources; extra: ExtraValues }
  | { ok: true; action: 'help' | 'version' }
  | { ok: false; errors: string[] };

type Layer = 'flag' | 'env' | 'file';
const LAYERS: readonly Layer[] = ['flag', 'env', 'file'];

interface Candidate {
  row: Setting;
  raw: unknown;
  label: string;
  layer: Layer;
}

export function loadConfig({ argv, env, readFile, extraFlags = [] }: LoadInput): LoadResult {
  const args = parseArgv(argv, extraFlags);
  if (args.action !== 'run') return { ok: true, action: args.action };

  const errors = [...args.errors];
  const candidates: Candidate[] = args.values.map((v) => ({ ...v, layer: 'flag' }));
  for (const row of settings) {
    const name = row.env.find((n) => (env[n] ?? '') !== ''); // empty means unset, as in both seeds
    if (name !== undefined) candidates.push({ row, raw: env[name], label: name, layer: 'env' });
  }
  if (args.configFile) {
    const file = readConfigFile(args.configFile.path, args.configFile.label, readFile);
    errors.push(...file.errors);
    candidates.push(...file.values.map((v) => ({ ...v, layer: 'file' as const })));
  }

  const { config, sources } = merge(candidates, errors);
  if (args.configFile) config.configFile = args.configFile.path;
  // lyft's DEBUG means debug logging; an explicit LOG_LEVEL still wins.
  if (config.debug && sources.logLevel === undefined) config.logLevel = 'debug';
  errors.push(...crossCheck(config, sources));
  return errors.length > 0 ? { ok: false, errors } : { ok: true, action: 'run', config, sources, extra: args.extra };
}

function merge(candidates: readonly Candidate[], errors: string[]): { config: Config; sources: ConfigSources } {
  const values: Record<string, unknown> = {};
  for (const row of settings) if ('default' in row) values[row.field] = structuredClone(row.default);
  const sources: Record<string, string> = {};

  const parsed: Array<Candidate & { value: unknown }> = [];
  for (const candidate of candidates) {
    const result = candidate.row.parser.parse(candidate.raw);
    if (result.ok) parsed.push({ ...candidate, value: result.value });
    else errors.push(invalidValue(candidate, result.detail));
  }
  const fields = new Set(parsed.map((c) => c.row.field));
  for (const field of fields) {
    const layer = LAYERS.find((l) => parsed.some((c) => c.row.field === field && c.layer === l));
    const winners = parsed.filter((c) => c.row.field === field && c.layer === layer);
    // Two spellings of one setting at the same level (ROLE_EXPIRATION_THRESHOLD and ROLE_CACHE_OFFSET) must agree.
    if (new Set(winners.map((c) => settingsText(c.value))).size > 1) {
      errors.push(`${winners.map((c) => `${c.label}=${show(c.raw)}`).join(' and ')}: disagree; set only one of them`);
      continue;
    }
    values[field] = winners[0]!.value;
    sources[field] = winners[0]!.label;
  }
  return { config: values as unknown as Config, sources: sources as ConfigSources };
}

// The mapping file and token key file are checked by their owners at start-up (identity/mapping-file.ts,
// tokens/token-key.ts), which know what a usable file is.
function crossCheck(config: Config, sources: ConfigSources): string[] {
  const errors: string[] = [];
  const durationMs = config.roleDurationSeconds * 1000;
  if (config.refreshBeforeExpiryMs >= durationMs) {
    const label = sources.refreshBeforeExpiryMs ?? 'ROLE_EXPIRATION_THRESHOLD (default 30)';
    errors.push(
      `${label}: expected a refresh threshold shorter than the role session duration ` +
        `(${config.roleDurationSeconds}s, ${sources.roleDurationSeconds ?? 'default'}), got ${formatDuration(config.refreshBeforeExpiryMs)}`,
    );
  }
  if (config.defaultAlias !== undefined && !Object.hasOwn(config.aliasToArn, config.defaultAlias)) {
    const known = Object.keys(config.aliasToArn).join(', ') || 'none defined';
    errors.push(`${sources.defaultAlias}: expected a key of aliasToARN (${known}), got ${show(config.defaultAlias)}`);
  }
  return errors;
}

function invalidValue(candidate: Candidate, detail: string | undefined): string {
  const head = `${candidate.label}: expected ${candidate.row.parser.expected}`;
  if (detail !== undefined) return `${head}: ${detail}`;
  return candidate.row.secret ? head : `${head}, got ${show(candidate.raw)}`;
}

/** A raw value as it reads in an error line: strings quoted, long values cut. */
function show(raw: unknown): string {
  const text = typeof raw === 'string' ? JSON.stringify(raw) : String(JSON.stringify(raw));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Settings as JSON text for comparison, regular expressions included (JSON.stringify makes them `{}`). */
export function settingsText(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v instanceof RegExp ? String(v) : v));
}
