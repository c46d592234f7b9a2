// `metadataproxy status [--json]`: reads /status from the admin listener the settings point at
// (ADMIN_LISTEN, --admin-listen, or the -c file's adminListen) and prints one row per indexed caller.
import type { ExtraFlag } from '../config/load.js';
import { adminUrl } from './admin-url.js';
import type { CallerStatus, ProxyStatus, StatusReport } from '../admin/status-report.js';
import { loadCommandConfig, type CommandIo } from './io.js';
import { relativeExpiry } from './relative-time.js';
import { errorMessage } from '../core/error-message.js';

export const STATUS_FLAGS: readonly ExtraFlag[] = [{ name: 'json', description: 'Print the raw /status JSON (for scripts).' }];

const TIMEOUT_MS = 5000;

export async function runStatusCommand(args: readonly string[], env: Readonly<Record<string, string | undefined>>, io: CommandIo): Promise<number> {
  const loaded = loadCommandConfig(args, env, io, 'metadataproxy status [--json] [options]', STATUS_FLAGS);
  if ('exitCode' in loaded) return loaded.exitCode;
  const url = adminUrl(loaded.config.adminListen, '/status');

  let body: string;
  let report: StatusReport;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    body = await response.text();
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    report = JSON.parse(body) as StatusReport;
    if (!Array.isArray(report.callers)) throw new Error('not a metadataproxy status report');
  } catch (error) {
    io.stderr(`metadataproxy status: cannot read ${url} (${errorMessage(error, { causeCode: true })}); is the proxy running with this ADMIN_LISTEN?\n`);
    return 1;
  }
  io.stdout(loaded.extra.json === true ? (body.endsWith('\n') ? body : body + '\n') : formatStatusTable(report));
  return 0;
}

/** The proxy's readiness and own identity, then an aligned table of callers; expiry relative to when the proxy made the report. */
export function formatStatusTable(report: StatusReport): string {
  return proxyLines(report.proxy) + callerTable(report);
}

function proxyLines(proxy: ProxyStatus | undefined): string {
  if (proxy === undefined) return '';
  const lines = [`ready: ${proxy.ready ? 'yes' : 'no'}`];
  for (const [name, check] of Object.entries(proxy.checks)) if (!check.ok) lines.push(`  ${name}: ${check.detail ?? 'not ready'}`);
  const own = proxy.awsIdentity;
  if (own?.state === 'ok') lines.push(`proxy identity: ${own.arn} (account ${own.account}, region ${own.region}, STS ${own.endpoint})`);
  else if (own?.state === 'failed') lines.push(`proxy identity: none yet: ${own.reason}`);
  else if (own !== undefined) lines.push('proxy identity: resolving');
  return lines.join('\n') + '\n\n';
}

function callerTable(report: StatusReport): string {
  if (report.callers.length === 0) return 'no callers indexed\n';
  const now = Date.parse(report.generatedAt);
  const header = ['CALLER', 'CONTAINER', 'ROLE', 'EXPIRES', 'LAST ERROR'];
  const rows = [...report.callers].sort(byAddress).map((c) => [
    c.caller,
    c.container,
    c.role === undefined ? '-' : c.defaultRole === true ? `${c.role} (default)` : c.role,
    c.expiresAt === undefined ? '-' : relativeExpiry(Date.parse(c.expiresAt), now),
    c.lastError === undefined ? '' : c.lastError.replace(/\s+/g, ' '),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  return [header, ...rows].map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd() + '\n').join('');
}

function byAddress(a: CallerStatus, b: CallerStatus): number {
  return a.caller.localeCompare(b.caller, 'en', { numeric: true });
}
