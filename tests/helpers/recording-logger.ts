// A real pino logger whose lines are kept, parsed, for tests that check what was logged (and what never is).
import pino from 'pino';
import type { Logger } from '../../src/observability/logger.js';

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** pino's level number for warnings. */
export const WARN = 40;

export function recordingLogger(): { logger: Logger; lines: LogLine[]; text: () => string } {
  const lines: LogLine[] = [];
  const raw: string[] = [];
  const logger = pino({ level: 'debug' }, {
    write(line: string) {
      raw.push(line);
      lines.push(JSON.parse(line) as LogLine);
    },
  });
  return { logger, lines, text: () => raw.join('') };
}
