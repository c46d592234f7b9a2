// Value parsers for settings. Each takes what a source gave — a string from the environment or a flag, a
// boolean from a bare switch, any JSON value from the config file — and either a value or a failure.
// The caller turns a failure into the one-line error `NAME: expected <expected>, got "<raw>"`.
import { isIP } from 'node:net';
import { formatDuration, parseGoDuration } from './duration.js';
import { DOCKER_URL_FORMS, parseDockerEndpoint } from './docker-endpoint.js';
import { compactPolicy, PolicyError } from './policy.js';
import { InvalidValueError } from '../core/errors.js';
import { isAccountId } from './role-spec.js';
import { parseTagList, sessionParameterProblems } from './session-parameters.js';
import { unknownPlaceholders } from './default-session-tags.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; detail?: string };
export interface Parser<T> {
  /** What a valid value looks like, for error messages and --help. */
  expected: string;
  parse(raw: unknown): Parsed<T>;
}

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (detail?: string): Parsed<never> => (detail === undefined ? { ok: false } : { ok: false, detail });

function fromString<T>(expected: string, parse: (text: string) => T | undefined): Parser<T> {
  return {
    expected,
    parse(raw) {
      if (typeof raw !== 'string') return fail();
      const value = parse(raw.trim());
      return value === undefined ? fail() : ok(value);
    },
  };
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

export const boolean: Parser<boolean> = {
  expected: 'true or false',
  parse(raw) {
    if (typeof raw === 'boolean') return ok(raw);
    const word = typeof raw === 'string' ? raw.trim().toLowerCase() : undefined;
    if (word !== undefined && TRUE_WORDS.has(word)) return ok(true);
    if (word !== undefined && FALSE_WORDS.has(word)) return ok(false);
    return fail();
  },
};

export function integer(min: number, max: number, expected = `an integer ${min}-${max}`): Parser<number> {
  return {
    expected,
    parse(raw) {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
      return Number.isSafeInteger(n) && n >= min && n <= max ? ok(n) : fail();
    },
  };
}

/** Case-insensitive choice; `aliases` maps extra accepted words onto a canonical value. */
export function oneOf<T extends string>(values: readonly T[], aliases: Readonly<Record<string, T>> = {}): Parser<T> {
  return fromString(`one of ${values.join(', ')}`, (text) => {
    const word = text.toLowerCase();
    return (values as readonly string[]).includes(word) ? (word as T) : aliases[word];
  });
}

export function text(expected = 'a non-empty value'): Parser<string> {
  return fromString(expected, (t) => (t === '' ? undefined : t));
}

export function matching(pattern: RegExp, expected: string): Parser<string> {
  return fromString(expected, (t) => (pattern.test(t) ? t : undefined));
}

export const accountId = fromString('a 12-digit AWS account id', (t) => (isAccountId(t) ? t : undefined));
export const region = matching(/^[a-z]{2,}(-[a-z]+)+-\d+$/, 'an AWS region such as us-east-1');
// Prefixes as roles/session-name.ts reads them (any case, Label: too); a name must follow.
export const roleSessionKey = matching(/^(?!(env|labels?):\s*$)\S(.*\S)?$/i, 'Env:NAME, Labels:NAME or NAME');
export const sourceIdentityKey = matching(/^(?!(env|labels?):\s*$)\S(.*\S)?$/i, 'Env:NAME, Labels:NAME, Name, Image or NAME');

/**
 * DEFAULT_SESSION_TAGS: `KEY=VALUE,…` (env, flag) or an object (config file). Checked against STS's tag
 * rules with every placeholder standing for a one-character value, so only a workload's own values
 * can still break them.
 */
export const sessionTagTemplate: Parser<Record<string, string>> = {
  expected: 'KEY=VALUE pairs separated by commas; values may use {name}, {image} and {service}',
  parse(raw) {
    let tags = raw;
    try {
      if (typeof raw === 'string') tags = parseTagList(raw);
    } catch (error) {
      if (!(error instanceof InvalidValueError)) throw error;
      return fail(error.message);
    }
    if (tags === null || typeof tags !== 'object' || Array.isArray(tags) || Object.values(tags).some((v) => typeof v !== 'string')) return fail();
    const template = tags as Record<string, string>;
    const unknown = unknownPlaceholders(template);
    if (unknown.length > 0) return fail(`unknown placeholder ${unknown.map((w) => `{${w}}`).join(', ')}`);
    const sample = Object.fromEntries(Object.entries(template).map(([k, v]) => [k, v.replace(/\{\w+\}/g, 'x')]));
    const problems = sessionParameterProblems({ tags: sample });
    return problems.length > 0 ? fail(problems.join('; ')) : ok(template);
  },
};

export function goDuration(maxMs: number): Parser<number> {
  return fromString(`a Go duration such as 15m, 1h30m or 90s, at most ${formatDuration(maxMs)}`, (t) => {
    const ms = parseGoDuration(t);
    return ms !== undefined && ms <= maxMs ? ms : undefined;
  });
}

export const minutesAsMs: Parser<number> = {
  expected: 'a whole number of minutes',
  parse(raw) {
    const minutes = integer(0, Number.MAX_SAFE_INTEGER).parse(raw);
    return minutes.ok ? ok(minutes.value * 60_000) : minutes;
  },
};

export const httpUrl = fromString('an http:// or https:// URL', (t) => {
  const url = URL.canParse(t) ? new URL(t) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) return undefined;
  return t.replace(/\/+$/, '');
});

/** Kept as given, except that a socket is always written `unix:///absolute/path`. */
export const dockerUrl = fromString(DOCKER_URL_FORMS, (t) => {
  const endpoint = parseDockerEndpoint(t);
  if (endpoint === undefined) return undefined;
  return 'socketPath' in endpoint ? `unix://${endpoint.socketPath}` : t;
});

export const regex: Parser<RegExp> = {
  expected: 'a regular expression',
  parse(raw) {
    if (typeof raw !== 'string' || raw === '') return fail();
    try {
      return ok(new RegExp(raw));
    } catch (error) {
      return fail((error as Error).message);
    }
  },
};

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const isHost = (host: string) => HOSTNAME.test(host) || isIP(host) !== 0;

export const host = fromString('an IP address or host name', (t) => (isHost(t) ? t : undefined));

/** The addresses of a comma-separated HOST list, blanks dropped. */
export function splitHostList(text: string): string[] {
  return text.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

/** One listen address, or several (`172.17.0.1,fd00:d0c::1`) kept as written: a dual-stack setup names both families. */
export const hostList = fromString('an IP address or host name, or a comma-separated list of them', (t) => {
  const hosts = splitHostList(t);
  return hosts.length > 0 && hosts.every(isHost) && new Set(hosts).size === hosts.length ? hosts.join(',') : undefined;
});

export interface HostPort {
  host: string;
  port: number;
}

/** `HOST:PORT`, `[IPv6]:PORT`, or `:PORT` when `hostOptional` (Go's "all interfaces" form). */
export function splitHostPort(value: string, hostOptional: boolean, minPort = 0): HostPort | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value.trim());
  if (!match) return undefined;
  const hostPart = match[1] ?? match[2] ?? '';
  const port = Number(match[3]);
  if (port < minPort || port > 65535) return undefined;
  if (hostPart === '' ? !hostOptional : !isHost(hostPart) || (match[1] !== undefined && isIP(hostPart) !== 6)) return undefined;
  return { host: hostPart, port };
}

export function hostPort(minPort: number): Parser<string> {
  return fromString(`HOST:PORT (port ${minPort}-65535)`, (t) => (splitHostPort(t, false, minPort) ? t : undefined));
}

/** A comma-separated string, or a JSON array of strings in the config file; blanks dropped. */
export function list(expected = 'a comma-separated list', itemProblem: (item: string) => string | undefined = () => undefined): Parser<string[]> {
  return {
    expected,
    parse(raw) {
      const items = typeof raw === 'string' ? raw.split(',') : Array.isArray(raw) && raw.every((i) => typeof i === 'string') ? raw : undefined;
      if (!items) return fail();
      const kept = items.map((i) => i.trim()).filter((i) => i !== '');
      const problem = kept.map(itemProblem).find((p) => p !== undefined);
      return problem === undefined ? ok(kept) : fail(problem);
    },
  };
}

/** A JSON object whose values all satisfy `valueOk`: given as JSON text, or as an object in the config file. */
export function jsonMap(expected: string, valueOk: (value: unknown) => boolean): Parser<Record<string, string>> {
  return {
    expected,
    parse(raw) {
      const parsed = parseJsonText(raw);
      if (!parsed.ok) return parsed;
      const object = parsed.value;
      if (!isPlainObject(object)) return fail('not an object');
      const bad = Object.entries(object).find(([, value]) => !valueOk(value));
      return bad ? fail(`${JSON.stringify(bad[0])} → ${JSON.stringify(bad[1])}`) : ok(object as Record<string, string>);
    },
  };
}

/** A session policy: JSON text or (config file) an object; kept as compact JSON text for STS. */
export const policyDocument: Parser<string> = {
  expected: 'a JSON policy document (an object)',
  parse(raw) {
    try {
      return ok(compactPolicy(raw));
    } catch (error) {
      if (!(error instanceof PolicyError)) throw error;
      return fail(error.parseError ?? 'not an object');
    }
  },
};

function parseJsonText(raw: unknown): Parsed<unknown> {
  if (typeof raw !== 'string') return ok(raw);
  try {
    return ok(JSON.parse(raw));
  } catch (error) {
    return fail((error as Error).message);
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
