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

const COMMANDS: ReadonlyArray<readonly [string, string]> = [
  ['status', 'print the running proxy\'s readiness, own identity and callers (from ADMIN_LISTEN)'],
  ['healthcheck', 'exit 0 when the running proxy is ready (for container health checks)'],
  ['iptables', 'print, --apply or --remove the rules that send container traffic to the proxy'],
  ['config', 'print the resolved configuration, where each setting came from, secrets redacted'],
];

/** The proxy's --help: sub-commands, then every setting. */
export function renderHelp(): string {
  const commands = ['Commands (each has its own --help):', ...COMMANDS.map(([name, what]) => `  metadataproxy ${name.padEnd(12)} ${what}`), ''];
  return renderSettingsHelp('metadataproxy [options]', commands);
}

/** A sub-command's --help: its own options only, and where the settings it reads are described. */
export function renderCommandHelp(usage: string, extraFlags: readonly ExtraFlag[]): string {
  const lines = [`Usage: ${usage}`, '', 'Options:'];
  for (const flag of [...extraFlags, ...BUILT_IN.filter((f) => f.name !== 'version')]) lines.push(`  ${flagText(flag)}`, `      ${flag.description}`);
  lines.push('', 'The proxy\'s settings (ADMIN_LISTEN, PORT, …) are read as the proxy reads them, from flags, environment', 'and -c FILE: see `metadataproxy --help`.');
  return lines.join('\n') + '\n';
}

function renderSettingsHelp(usage: string, preface: readonly string[]): string {
  const lines = [`Usage: ${usage}`, '', ...preface, 'Precedence: flag > environment variable > config file (-c) > default.', ''];
  const entry = (head: string, where: string, description: string) => {
    lines.push(`  ${head}${where ? `   (${where})` : ''}`, `      ${description}`);
  };
  for (const flag of BUILT_IN) entry(flagText(flag), '', flag.description);
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
