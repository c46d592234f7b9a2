import pino, { type Logger } from 'pino';
import type { LogLevel } from '../config/types.js';

export type { Logger };

// Placeholder until the observability work lands: plain pino, our level names mapped to pino's.
export function createLogger(level: LogLevel = 'info'): Logger {
  return pino({ level: level === 'warning' ? 'warn' : level });
}

export const silentLogger: Logger = pino({ level: 'silent' });
