// The process logger: pino, in one of three line formats, with secrets redacted twice — pino's `redact`
// for the known field paths (fast), and a scrub of every logged object and message at any depth (sure).
import { hostname } from 'node:os';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { LogFormat, LogLevel } from '../config/types.js';
import { REDACTED, scrubSecrets, scrubText } from './secrets.js';
import { formatTextLine } from './text-format.js';
import { gelfFields, GELF_LEVELS } from './gelf-format.js';

export type { Logger };

export interface LoggerSettings {
  level: LogLevel;
  format: LogFormat;
  /** Where lines go; standard output when left out. */
  destination?: DestinationStream;
}

const SECRET_FIELDS = [
  'secretAccessKey',
  'SecretAccessKey',
  'sessionToken',
  'SessionToken',
  'Token',
  'token',
  'externalId',
  'ExternalId',
  'authorization',
  'password',
  'newrelicLicense',
];
const SECRET_HEADERS = ['x-aws-ec2-metadata-token', 'authorization', 'x-amz-security-token', 'cookie'];
const REDACT_PATHS = [
  ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`]),
  ...SECRET_HEADERS.flatMap((header) => [`headers["${header}"]`, `*.headers["${header}"]`]),
];

export function createLogger(settings: LoggerSettings): Logger {
  const destination = settings.destination ?? pino.destination({ dest: 1, sync: true });
  const common: LoggerOptions = {
    level: settings.level === 'warning' ? 'warn' : settings.level,
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    // Errors are turned into plain objects by the scrub, so pino's own error serializer must not redo it.
    serializers: { err: (err: unknown) => err },
    hooks: { logMethod: scrubMessages },
  };
  switch (settings.format) {
    case 'json':
      return withChildBindings(pino({ ...common, formatters: { log: scrubLogged, bindings: scrubLogged } }, destination), scrubLogged);
    case 'gelf':
      return withChildBindings(pino(gelfOptions(common), destination), gelfBindings);
    case 'text':
      return withChildBindings(
        pino(
          {
            ...common,
            base: null,
            timestamp: pino.stdTimeFunctions.isoTime,
            formatters: { level: (label) => ({ level: label }), log: scrubLogged, bindings: scrubLogged },
          },
          { write: (line: string) => destination.write(formatTextLine(line)) },
        ),
        scrubLogged,
      );
  }
}

export const silentLogger: Logger = pino({ level: 'silent' });

function scrubLogged(object: Record<string, unknown>): Record<string, unknown> {
  return scrubSecrets(object) as Record<string, unknown>;
}

type Bindings = Record<string, unknown>;

/**
 * pino runs its bindings formatter on the root's base fields only and resets it for child loggers, so
 * every child (and its children, which inherit this method) is created with ours passed explicitly.
 */
function withChildBindings(logger: Logger, format: (bindings: Bindings) => Bindings): Logger {
  const child = logger.child as unknown as (this: Logger, bindings: Bindings, options?: { formatters?: object }) => Logger;
  logger.child = function (this: Logger, bindings: Bindings, options: { formatters?: object } = {}) {
    return child.call(this, bindings, { ...options, formatters: { ...options.formatters, bindings: format } });
  } as unknown as Logger['child'];
  return logger;
}

/**
 * Message strings and format arguments are scrubbed too. A call without a message gets one here (the
 * error's, scrubbed) rather than from pino, which would copy the error message unscrubbed; GELF also
 * requires a message on every line.
 */
function scrubMessages(this: Logger, args: unknown[], method: (...args: unknown[]) => void): void {
  if (args.length === 1 && typeof args[0] === 'object' && args[0] !== null) args.push(messageOf(args[0]));
  for (let i = 0; i < args.length; i++) if (typeof args[i] === 'string') args[i] = scrubText(args[i] as string);
  method.apply(this, args);
}

function messageOf(logged: object): string {
  const error = logged instanceof Error ? logged : (logged as { err?: unknown }).err;
  return error instanceof Error ? error.message : '';
}

function gelfBindings(bindings: Bindings): Bindings {
  return gelfFields(scrubLogged(bindings));
}

function gelfOptions(common: LoggerOptions): LoggerOptions {
  const host = JSON.stringify(hostname());
  return {
    ...common,
    base: null,
    messageKey: 'short_message',
    // GELF's root fields go in through the timestamp hook: pino's bindings formatter cannot tell the base
    // fields (which must stay unprefixed) from a child logger's (which must get the `_` prefix).
    timestamp: () => `,"version":"1.1","host":${host},"timestamp":${(Date.now() / 1000).toFixed(3)}`,
    formatters: {
      level: (label) => ({ level: GELF_LEVELS[label] ?? 6 }),
      log: gelfBindings,
      bindings: gelfBindings,
    },
  };
}
