// Command-line flags → raw values per setting row. Forms: `--name value`, `--name=value`, `-x value`;
// switches: `--name`, `--no-name`, `--name=false`. The last occurrence of a flag wins.
import { settings, type Setting } from './settings.js';
import { closestName } from './suggest.js';

/** A flag a sub-command adds (`status --json`, `iptables --interface X`); checked before the settings' flags. */
export interface ExtraFlag {
  name: string;
  short?: string;
  /** Placeholder for the value; omit for a switch. */
  valueName?: string;
  /** Collect every occurrence into an array instead of keeping the last. */
  repeatable?: boolean;
  description: string;
}
export type ExtraValues = Record<string, string | string[] | boolean>;

export interface RawValue {
  row: Setting;
  raw: string | boolean;
  /** The flag as typed, for error messages: `--port`, `-p`, `--no-docker`. */
  label: string;
}

export interface ParsedArgs {
  action: 'run' | 'help' | 'version';
  values: RawValue[];
  configFile?: { path: string; label: string };
  extra: ExtraValues;
  errors: string[];
}

type Target =
  | { kind: 'row'; row: Setting; negated: boolean }
  | { kind: 'extra'; flag: ExtraFlag }
  | { kind: 'config' | 'help' | 'version' };

function findTarget(token: string, extraFlags: readonly ExtraFlag[]): Target | undefined {
  if (token.startsWith('--')) {
    const name = token.slice(2);
    const extra = extraFlags.find((f) => f.name === name);
    if (extra) return { kind: 'extra', flag: extra };
    if (name === 'config' || name === 'help' || name === 'version') return { kind: name };
    const row = settings.find((s) => s.flag === name);
    if (row) return { kind: 'row', row, negated: false };
    const negatedRow = name.startsWith('no-') ? settings.find((s) => s.switch && s.flag === name.slice(3)) : undefined;
    return negatedRow && { kind: 'row', row: negatedRow, negated: true };
  }
  const letter = token.slice(1);
  const extra = extraFlags.find((f) => f.short === letter);
  if (extra) return { kind: 'extra', flag: extra };
  if (letter === 'c') return { kind: 'config' };
  if (letter === 'h') return { kind: 'help' };
  const row = settings.find((s) => s.short === letter);
  return row && { kind: 'row', row, negated: false };
}

const takesValue = (target: Target): boolean =>
  target.kind === 'config' ||
  (target.kind === 'row' && !target.row.switch) ||
  (target.kind === 'extra' && target.flag.valueName !== undefined);

export function parseArgv(argv: readonly string[], extraFlags: readonly ExtraFlag[] = []): ParsedArgs {
  const result: ParsedArgs = { action: 'run', values: [], extra: {}, errors: [] };
  const byRow = new Map<Setting, RawValue>();
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (!/^-/.test(token) || token === '-' || token === '--') {
      result.errors.push(`unexpected argument ${JSON.stringify(token)} (see --help)`);
      continue;
    }
    const eq = token.indexOf('=');
    const label = eq < 0 ? token : token.slice(0, eq);
    const target = findTarget(label, extraFlags);
    if (!target) {
      const hint = label.startsWith('--') ? closestName(label, knownFlags(extraFlags)) : undefined;
      result.errors.push(`${label}: unknown option (${hint === undefined ? 'see --help' : `did you mean ${hint}?`})`);
      continue;
    }
    let value: string | undefined = eq < 0 ? undefined : token.slice(eq + 1);
    if (takesValue(target) && value === undefined) {
      value = argv[++i];
      if (value === undefined) {
        result.errors.push(`${label}: expected a value`);
        break;
      }
    } else if (!takesValue(target) && value !== undefined && (target.kind !== 'row' || target.negated)) {
      result.errors.push(`${label}: takes no value`);
      continue;
    }
    switch (target.kind) {
      case 'help':
      case 'version':
        result.action = result.action === 'help' ? 'help' : target.kind;
        break;
      case 'config':
        result.configFile = { path: value!, label };
        break;
      case 'extra':
        storeExtra(result.extra, target.flag, value);
        break;
      case 'row':
        byRow.set(target.row, { row: target.row, raw: value ?? !target.negated, label });
    }
  }
  result.values = [...byRow.values()];
  return result;
}

function knownFlags(extraFlags: readonly ExtraFlag[]): string[] {
  const names = [...extraFlags.map((f) => f.name), 'config', 'help', 'version'];
  for (const s of settings) if (s.flag !== undefined) names.push(s.flag, ...(s.switch ? [`no-${s.flag}`] : []));
  return names.map((name) => `--${name}`);
}

function storeExtra(extra: ExtraValues, flag: ExtraFlag, value: string | undefined): void {
  if (value === undefined) extra[flag.name] = true;
  else if (!flag.repeatable) extra[flag.name] = value;
  else extra[flag.name] = [...((extra[flag.name] as string[] | undefined) ?? []), value];
}
