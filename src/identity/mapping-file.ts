// ROLE_MAPPING_FILE: a JSON object from caller address to role, for hosts where addresses are managed
// outside Docker. Read at start (a broken file stops start-up) and again whenever it changes (a broken
// edit keeps the last good mapping, so a typo never takes every caller's credentials away).
import { watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { systemClock, type Clock } from '../core/clock.js';
import type { Logger } from '../observability/logger.js';
import { noopMetrics, type Metrics } from '../observability/metrics.js';
import { normalizeIp } from '../core/ip-address.js';
import { compactPolicy } from '../config/policy.js';
import { sameRole } from './role-binding.js';
import type { IdentitySource, RoleBinding, Workload, WorkloadEvent } from './workload.js';
import { errorMessage } from '../core/error-message.js';
import { InvalidValueError } from '../core/errors.js';
import { nonEmptySession, parseDurationSeconds, sessionParameterProblems, type SessionParameters } from '../config/session-parameters.js';

/** Watches a directory; reports the name of the entry that changed (null when the platform does not say). */
export type WatchDirectory = (
  dir: string,
  onEvent: (filename: string | null) => void,
  onError: (error: Error) => void,
) => { close(): void };

export interface MappingFileOptions {
  path: string;
  logger: Logger;
  metrics?: Metrics;
  clock?: Clock;
  /** Editors write a file in several steps; reload once they are done. */
  debounceMs?: number;
  watch?: WatchDirectory;
}

const ENTRY_FIELDS = new Set([
  'name', 'account_id', 'external_id', 'session_name', 'policy',
  'session_tags', 'transitive_tag_keys', 'source_identity', 'session_duration', 'authorization_token',
]);

const watchWithFs: WatchDirectory = (dir, onEvent, onError) => {
  const watcher = watch(dir, { persistent: false }, (_type, filename) => onEvent(filename === null ? null : String(filename)));
  watcher.on('error', onError);
  return watcher;
};

export class MappingFileSource implements IdentitySource {
  readonly name = 'mapping';
  private readonly path: string;
  private readonly logger: Logger;
  private readonly metrics: Metrics;
  private readonly clock: Clock;
  private readonly debounceMs: number;
  private readonly watchDirectory: WatchDirectory;
  private mapping = new Map<string, Workload>();
  private reloads = 0;
  private lastText: string | undefined;
  private readonly listeners: Array<(event: WorkloadEvent) => void> = [];
  private watcher: { close(): void } | undefined;
  private debounceTimer: unknown;
  private reloading: Promise<void> | undefined;
  private reloadAgain = false;
  private started = false;

  constructor(options: MappingFileOptions) {
    this.path = options.path;
    this.logger = options.logger;
    this.metrics = options.metrics ?? noopMetrics;
    this.clock = options.clock ?? systemClock;
    this.debounceMs = options.debounceMs ?? 100;
    this.watchDirectory = options.watch ?? watchWithFs;
  }

  lookup(ip: string): Workload | undefined {
    return this.mapping.get(ip);
  }

  get generation(): number {
    return this.reloads;
  }

  entries(): Iterable<[string, Workload]> {
    return this.mapping.entries();
  }

  isReady(): boolean {
    return this.started;
  }

  onChange(listener: (event: WorkloadEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Loads the file; throws one line naming ROLE_MAPPING_FILE when it cannot be used. */
  async start(): Promise<void> {
    try {
      this.apply(await readFile(this.path, 'utf8'));
    } catch (error) {
      throw new Error(`ROLE_MAPPING_FILE: ${this.path}: ${errorMessage(error)}`);
    }
    // The directory, not the file: editors and config managers replace a file by renaming a new one
    // over it, which a watch on the old file would never report.
    const file = basename(this.path);
    this.watcher = this.watchDirectory(
      dirname(this.path),
      (filename) => {
        // `..data` and friends: Kubernetes swaps a ConfigMap's files through a symlinked directory.
        if (filename === null || filename === file || filename.startsWith('..')) this.scheduleReload();
      },
      (error) => this.logger.warn({ file: this.path, reason: errorMessage(error) }, 'ROLE_MAPPING_FILE: watching stopped; send SIGHUP to reload'),
    );
    this.started = true;
  }

  /** Re-reads the file (file change, SIGHUP). Never rejects: a bad file keeps the last good mapping. */
  reload(): Promise<void> {
    if (this.reloading !== undefined) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      do {
        this.reloadAgain = false;
        await this.reloadOnce();
      } while (this.reloadAgain);
    })().finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  async close(): Promise<void> {
    this.watcher?.close();
    this.watcher = undefined;
    this.clock.clearTimeout(this.debounceTimer);
    await this.reloading;
  }

  private scheduleReload(): void {
    this.clock.clearTimeout(this.debounceTimer);
    this.debounceTimer = this.clock.setTimeout(() => void this.reload(), this.debounceMs);
  }

  private async reloadOnce(): Promise<void> {
    try {
      const text = await readFile(this.path, 'utf8');
      if (text === this.lastText) return;
      this.apply(text);
      this.logger.info({ file: this.path, entries: this.mapping.size }, 'ROLE_MAPPING_FILE reloaded');
    } catch (error) {
      this.logger.warn(
        { file: this.path, reason: errorMessage(error), entries: this.mapping.size },
        'ROLE_MAPPING_FILE not reloaded; keeping the last good mapping',
      );
    }
  }

  private apply(text: string): void {
    const next = parseRoleMapping(text);
    const previous = this.mapping;
    this.mapping = next;
    this.reloads++;
    this.lastText = text;
    this.metrics.indexSize('mapping', next.size);
    for (const event of diffMappings(previous, next)) {
      for (const listener of this.listeners) listener(event);
    }
  }
}

/** Validates a mapping file's text; throws one line listing every problem. */
export function parseRoleMapping(text: string): Map<string, Workload> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    // The parser's own message can quote the file, and the file can hold external ids.
    throw new Error(`not valid JSON: ${jsonProblem(text, error)}`);
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new Error('expected a JSON object of "IP address": role');
  }
  const mapping = new Map<string, Workload>();
  const problems: string[] = [];
  for (const [key, value] of Object.entries(document)) {
    const ip = normalizeIp(key);
    if (ip === undefined) problems.push(`key ${JSON.stringify(key)} is not an IP address`);
    else if (mapping.has(ip)) problems.push(`key ${JSON.stringify(key)} repeats address ${ip}`);
    const before = problems.length;
    const entryPart = <T>(read: (value: unknown) => T): T | undefined => {
      try {
        return read(value);
      } catch (error) {
        if (!(error instanceof InvalidValueError)) throw error;
        problems.push(`${JSON.stringify(key)}: ${error.message}`);
        return undefined;
      }
    };
    const role = entryPart(roleOfEntry);
    const token = entryPart(authorizationTokenOf);
    if (ip !== undefined && problems.length === before) {
      mapping.set(ip, { id: `mapping:${ip}`, name: ip, source: 'mapping', role: role!, ...(token !== undefined && { authorizationToken: token }) });
    }
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  return mapping;
}

function roleOfEntry(value: unknown): RoleBinding {
  if (typeof value === 'string') {
    if (isSpec(value)) return { spec: value };
    throw new InvalidValueError('role must be a non-empty role name or ARN');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidValueError('expected a role name or an object with "name"');
  }
  const entry = value as Record<string, unknown>;
  const unknown = Object.keys(entry).filter((field) => !ENTRY_FIELDS.has(field));
  if (unknown.length > 0) throw new InvalidValueError(`unknown field ${unknown.map((f) => JSON.stringify(f)).join(', ')}`);
  const { name, account_id: accountId, external_id: externalId, session_name: sessionName, policy } = entry;
  const session = sessionOfEntry(entry);
  if (typeof name !== 'string' || !isSpec(name)) throw new InvalidValueError('"name" must be a non-empty role name or ARN');
  const account = accountText(accountId);
  if (account !== undefined && name.startsWith('arn:')) throw new InvalidValueError('"account_id" cannot be combined with a role ARN');
  for (const [field, text] of [['external_id', externalId], ['session_name', sessionName]] as const) {
    if (text !== undefined && text !== null && (typeof text !== 'string' || text === '')) {
      throw new InvalidValueError(`"${field}" must be a non-empty string`);
    }
  }
  const role: RoleBinding = { spec: account === undefined ? name : `${name}@${account}` };
  if (typeof externalId === 'string') role.externalId = externalId;
  if (typeof sessionName === 'string') role.sessionName = sessionName;
  if (policy !== undefined && policy !== null) {
    role.policy = compactPolicy(policy);
  }
  if (session !== undefined) role.session = session;
  return role;
}

/** session_tags, transitive_tag_keys, source_identity and session_duration, checked against STS's rules. */
function sessionOfEntry(entry: Record<string, unknown>): SessionParameters | undefined {
  const { session_tags: tags, transitive_tag_keys: transitive, source_identity: sourceIdentity, session_duration: duration } = entry;
  const session: SessionParameters = {};
  if (tags !== undefined && tags !== null) {
    if (typeof tags !== 'object' || Array.isArray(tags) || Object.values(tags).some((v) => typeof v !== 'string')) {
      throw new InvalidValueError('"session_tags" must be an object of tag key to text value');
    }
    session.tags = tags as Record<string, string>;
  }
  if (transitive !== undefined && transitive !== null) {
    if (!Array.isArray(transitive) || transitive.some((k) => typeof k !== 'string')) throw new InvalidValueError('"transitive_tag_keys" must be an array of tag keys');
    session.transitiveTagKeys = transitive as string[];
  }
  if (sourceIdentity !== undefined && sourceIdentity !== null) {
    if (typeof sourceIdentity !== 'string') throw new InvalidValueError('"source_identity" must be a string');
    session.sourceIdentity = sourceIdentity;
  }
  if (duration !== undefined && duration !== null) {
    try {
      session.durationSeconds = parseDurationSeconds(duration);
    } catch (error) {
      if (!(error instanceof InvalidValueError)) throw error;
      throw new InvalidValueError(`"session_duration": ${error.message}`);
    }
  }
  const problems = sessionParameterProblems(session);
  if (problems.length > 0) throw new InvalidValueError(problems.join('; '));
  return nonEmptySession(session);
}

function authorizationTokenOf(value: unknown): string | undefined {
  const token = typeof value === 'object' && value !== null ? (value as Record<string, unknown>).authorization_token : undefined;
  if (token === undefined || token === null) return undefined;
  // An Authorization header value: visible ASCII and spaces, no line breaks (SDKs refuse \r\n too).
  if (typeof token === 'string' && /^[\x20-\x7e]+$/.test(token)) return token;
  throw new InvalidValueError('"authorization_token" must be non-empty printable ASCII text');
}

function isSpec(text: string): boolean {
  return text !== '' && !/\s/.test(text);
}

/** Account ids are text (leading zeros matter) but a bare JSON number is accepted and padded. */
function accountText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value).padStart(12, '0');
  if (typeof value === 'string' && /^[\w-]+$/.test(value)) return value;
  throw new InvalidValueError('"account_id" must be a 12-digit account id or an account alias');
}

/** The parser's complaint without the excerpt of the file it may quote, with a line and column if known. */
function jsonProblem(text: string, error: unknown): string {
  const message = errorMessage(error).replace(/, ".*" is not valid JSON$/s, '');
  const position = /^(.*) in JSON at position (\d+)/s.exec(message);
  if (position === null) return message;
  const before = text.slice(0, Number(position[2])).split('\n');
  return `${position[1]} at line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
}

function diffMappings(previous: Map<string, Workload>, next: Map<string, Workload>): WorkloadEvent[] {
  const events: WorkloadEvent[] = [];
  for (const [ip, workload] of previous) {
    const replacement = next.get(ip);
    if (replacement === undefined || !sameRole(workload.role, replacement.role)) events.push({ type: 'removed', workload });
  }
  for (const [ip, workload] of next) {
    const old = previous.get(ip);
    if (old === undefined || !sameRole(old.role, workload.role)) events.push({ type: 'added', workload });
  }
  return events;
}
