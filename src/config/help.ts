// --help text and the settings table in docs/configuration.md, both rendered from the settings table so they cannot drift.
import type { ExtraFlag } from './argv.js';
import { COMBINED_FILE_KEYS } from './file.js';
import { settings, type Setting } from './settings.js';

function flagText(s: { flag?: string; name?: string; short?: string; valueName?: string; switch?: boolean }): string {
  const long = s.flag ?? s.name;
  if (long === undefined) return '';
  const names = [s.short ? `-${s.short}` : '', `--${long}`, s.switch ? `--no-${long}` : ''].filter(Boolean).join(', ');
  return s.valueName ? `${names} ${s.valueName}` : names;
}

function defaultText(s: Setting): string | undefined {
  if (s.defaultText !== undefined) return s.defaultText;
  return 'default' in s ? String(s.default) : undefined;
}

function fileKeys(s: Setting): string[] {
  const combined = COMBINED_FILE_KEYS[s.field];
  return combined ? [...s.fileKeys, combined] : [...s.fileKeys];
}

const BUILT_IN: readonly ExtraFlag[] = [
  { name: 'config', short: 'c', valueName: 'FILE', description: 'JSON config file (our keys and ec2metaproxy\'s).' },
  { name: 'help', short: 'h', description: 'Print this help and exit.' },
  { name: 'version', description: 'Print the version and exit.' },
];

/** The --help text; a sub-command passes its usage line and extra flags. */
export function renderHelp(usage = 'metadataproxy [options]', extraFlags: readonly ExtraFlag[] = []): string {
  const lines = [`Usage: ${usage}`, '', 'Precedence: flag > environment variable > config file (-c) > default.', ''];
  const entry = (head: string, where: string, description: string) => {
    lines.push(`  ${head}${where ? `   (${where})` : ''}`, `      ${description}`);
  };
  for (const flag of [...extraFlags, ...BUILT_IN]) entry(flagText(flag), '', flag.description);
  for (const s of settings) {
    const env = s.env.length > 0 ? `env ${s.env.join(', ')}` : '';
    const head = flagText(s) || env || `config file: ${s.fileKeys.join(', ')}`;
    const fallback = defaultText(s);
    entry(head, [head === env ? '' : env, fallback === undefined ? '' : `default ${fallback}`].filter(Boolean).join('; '), s.description);
  }
  return lines.join('\n') + '\n';
}

const code = (items: readonly string[]): string => items.map((i) => `\`${i}\``).join(', ');

/** The Markdown table of every setting, as docs/configuration.md carries it. */
export function renderSettingsTable(): string {
  const rows = settings.map((s) => {
    const fallback = defaultText(s);
    const cells = [code(s.env), code([flagText(s)].filter(Boolean)), code(fileKeys(s)), fallback ? `\`${fallback}\`` : '', s.description];
    return `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  });
  return ['| environment | flag | config file key | default | meaning |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}
