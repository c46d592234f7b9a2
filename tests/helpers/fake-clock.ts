// A Clock whose time moves only when a test says so. advance() fires due timers in time order and lets
// the promise chains they start settle before moving on, so hours of refreshes run in milliseconds.
import type { Clock } from '../../src/core/clock.js';

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class FakeClock implements Clock {
  private timers: Timer[] = [];
  private nextId = 1;

  constructor(private time = Date.UTC(2030, 0, 1)) {}

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const timer = { id: this.nextId++, at: this.time + Math.max(0, ms), fn };
    this.timers.push(timer);
    return timer;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t !== handle);
  }

  pendingTimers(): number {
    return this.timers.length;
  }

  /** Delays of the timers still pending, from now, shortest first. */
  pending(): number[] {
    return this.timers.map((t) => t.at - this.time).sort((a, b) => a - b);
  }

  /** Move time forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.time + ms);
  }

  async advanceTo(target: number): Promise<void> {
    await settle();
    for (;;) {
      const due = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (due === undefined) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = Math.max(this.time, due.at);
      due.fn();
      await settle();
    }
    this.time = Math.max(this.time, target);
  }

  /** Step through time in increments, calling `probe` after each step (e.g. to check what is served). */
  async walk(totalMs: number, stepMs: number, probe: () => void | Promise<void>): Promise<void> {
    const end = this.time + totalMs;
    while (this.time < end) {
      await this.advanceTo(Math.min(end, this.time + stepMs));
      await probe();
    }
  }
}
