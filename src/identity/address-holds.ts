// Misses held by address. A container's first packet can beat its engine's events, so a miss from an
// address where a container may be coming up is held until a source indexes that address (release) or
// the deadline passes. Nothing else ends a hold: an empty resync proves nothing about a container that
// is still starting.
import type { Clock } from '../core/clock.js';

export class AddressHolds {
  private readonly held = new Map<string, Set<() => void>>();

  constructor(private readonly clock: Clock) {}

  /** Resolves with `answer()` read at the moment the address is released or `ms` have passed. */
  hold<T>(address: string, ms: number, answer: () => T): Promise<T> {
    return new Promise((resolve) => {
      let waiting = this.held.get(address);
      if (waiting === undefined) this.held.set(address, (waiting = new Set()));
      const done = (): void => {
        if (!waiting.delete(done)) return;
        if (waiting.size === 0 && this.held.get(address) === waiting) this.held.delete(address);
        this.clock.clearTimeout(timer);
        resolve(answer());
      };
      waiting.add(done);
      const timer = this.clock.setTimeout(done, ms);
    });
  }

  /** Answers every hold on the address now. */
  release(address: string): void {
    const waiting = this.held.get(address);
    if (waiting !== undefined) for (const done of [...waiting]) done();
  }

  releaseAll(): void {
    for (const address of [...this.held.keys()]) this.release(address);
  }

  /** Addresses with a hold in progress. */
  get size(): number {
    return this.held.size;
  }
}
