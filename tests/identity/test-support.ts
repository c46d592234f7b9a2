// Shared by the identity tests: a hand-driven clock, a logger that keeps its lines, a metrics recorder
// and a bounded wait for something asynchronous (socket, file watch) to happen.
import pino from 'pino';
import type { Clock } from '../../src/credentials/types.js';
import type { Logger } from '../../src/observability/logger.js';
import { noopMetrics, type Metrics } from '../../src/observability/metrics.js';

interface Timer {
  at: number;
  fn: () => void;
}

export class FakeClock implements Clock {
  private readonly timers = new Set<Timer>();

  constructor(public time = Date.UTC(2025, 0, 1)) {}

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const timer = { at: this.time + ms, fn };
    this.timers.add(timer);
    return timer;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as Timer);
  }

  /** Delays of the timers still pending, from now. */
  pending(): number[] {
    return [...this.timers].map((timer) => timer.at - this.time).sort((a, b) => a - b);
  }

  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      const due = [...this.timers].filter((timer) => timer.at <= target).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.timers.delete(due);
      this.time = due.at;
      due.fn();
    }
    this.time = target;
  }
}

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

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

export const WARN = 40;

export function recordingMetrics(): Metrics & { events: string[]; resyncs: number; sizes: Array<[string, number]> } {
  const metrics = {
    ...noopMetrics,
    events: [] as string[],
    resyncs: 0,
    sizes: [] as Array<[string, number]>,
    dockerEvent(type: string) {
      metrics.events.push(type);
    },
    dockerResync() {
      metrics.resyncs += 1;
    },
    indexSize(source: string, size: number) {
      metrics.sizes.push([source, size]);
    },
  };
  return metrics;
}

/** Waits (bounded) until `check` holds; for effects that arrive over a socket or from the file system. */
export async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt += 1) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`gave up waiting until ${what}`);
}
