// What a workload asks STS to stamp on its session besides the role: session tags, which of them pass
// on to roles assumed later (transitive), a SourceIdentity and a duration. Every value is checked against
// STS's own rules here, before any call, so a bad one is named in our log instead of failing at AWS
// (or, worse, being dropped without a word).
import { InvalidValueError } from '../core/errors.js';
import { parseGoDuration } from './duration.js';

export interface SessionParameters {
  /** Tag key → value; keys are unique (STS compares them case-insensitively, so do we). */
  tags?: Readonly<Record<string, string>>;
  transitiveTagKeys?: readonly string[];
  sourceIdentity?: string;
  durationSeconds?: number;
}

export const MAX_SESSION_TAGS = 50;
export const MIN_DURATION_SECONDS = 900;
export const MAX_DURATION_SECONDS = 43_200;
/** STS caps a session assumed with role credentials (role chaining) at one hour. */
export const MAX_CHAINED_DURATION_SECONDS = 3_600;

// STS: tag keys 1-128 and values 0-256 characters of letters, separators, numbers and _.:/=+-@.
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;
const SOURCE_IDENTITY = /^[\w+=,.@-]{2,64}$/;

/** Why each value breaks STS's rules; empty when the request may be sent. Never quotes tag values. */
export function sessionParameterProblems(session: SessionParameters, maxDurationSeconds = MAX_DURATION_SECONDS): string[] {
  const problems: string[] = [];
  const keys = Object.keys(session.tags ?? {});
  if (keys.length > MAX_SESSION_TAGS) problems.push(`${keys.length} session tags; STS allows at most ${MAX_SESSION_TAGS}`);
  const seen = new Set<string>();
  for (const key of keys) {
    if (!TAG_KEY.test(key)) problems.push(`session tag key ${JSON.stringify(key)} must be 1-128 characters of letters, digits, spaces and _.:/=+-@`);
    const folded = key.toLowerCase();
    if (seen.has(folded)) problems.push(`session tag key ${JSON.stringify(key)} repeats another key (STS ignores case)`);
    seen.add(folded);
    if (!TAG_VALUE.test(session.tags![key]!)) {
      problems.push(`session tag ${JSON.stringify(key)}: the value must be 0-256 characters of letters, digits, spaces and _.:/=+-@`);
    }
  }
  for (const key of session.transitiveTagKeys ?? []) {
    if (!seen.has(key.toLowerCase())) problems.push(`transitive tag key ${JSON.stringify(key)} is not one of the session tag keys`);
  }
  const identity = session.sourceIdentity;
  if (identity !== undefined) {
    // Checked first: STS reserves the prefix, and its `:` is outside the alphabet too, which would hide why.
    if (identity.toLowerCase().startsWith('aws:')) problems.push(`source identity ${JSON.stringify(identity)} must not start with aws:`);
    else if (!SOURCE_IDENTITY.test(identity)) problems.push(`source identity ${JSON.stringify(identity)} must be 2-64 characters of letters, digits and _+=,.@-`);
  }
  const duration = session.durationSeconds;
  if (duration !== undefined && !(Number.isSafeInteger(duration) && duration >= MIN_DURATION_SECONDS && duration <= maxDurationSeconds)) {
    const chained = maxDurationSeconds === MAX_CHAINED_DURATION_SECONDS ? ' (role chaining: ROLE_CHAINING is on)' : '';
    problems.push(`session duration ${duration} must be a whole number of seconds ${MIN_DURATION_SECONDS}-${maxDurationSeconds}${chained}`);
  }
  return problems;
}

/**
 * `k=v,k2=v2` (IAM_SESSION_TAGS, DEFAULT_SESSION_TAGS): the first `=` splits key from value, so values may
 * hold `=`; an empty value is allowed, as STS allows it. Throws InvalidValueError for an entry without a key.
 */
export function parseTagList(text: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const entry of text.split(',')) {
    if (entry.trim() === '') continue;
    const split = entry.indexOf('=');
    const key = (split < 0 ? entry : entry.slice(0, split)).trim();
    if (split < 0 || key === '') throw new InvalidValueError(`session tag entry ${JSON.stringify(entry.trim())} is not KEY=VALUE`);
    tags[key] = entry.slice(split + 1).trim();
  }
  return tags;
}

/** Seconds as a number or numeric text, or a Go duration such as `2h` (mapping file, IAM_ROLE_DURATION); else throws InvalidValueError. */
export function parseDurationSeconds(value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string') {
    const text = value.trim();
    if (/^\d+$/.test(text)) return Number(text);
    const ms = parseGoDuration(text);
    if (ms !== undefined && ms % 1000 === 0) return ms / 1000;
  }
  throw new InvalidValueError(`session duration ${JSON.stringify(value)} is not a number of seconds or a duration such as 2h`);
}

/** Same STS request parameters: listeners (prefetch) only hear about real changes. */
export function sameSession(a: SessionParameters | undefined, b: SessionParameters | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** Defined and holding at least one parameter, else undefined (a binding without session parameters stays without). */
export function nonEmptySession(session: SessionParameters): SessionParameters | undefined {
  return Object.values(session).some((value) => value !== undefined) ? session : undefined;
}
