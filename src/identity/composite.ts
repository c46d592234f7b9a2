// Asks each identity source in turn. The first source that knows an address wins, so a mapping file can
// pin addresses that Docker would also report.
import type { IdentitySource, Workload } from './workload.js';

export class CompositeIdentity {
  /** `base` offsets every generation, so indexes rebuilt by a settings reload never repeat an earlier one. */
  constructor(
    readonly sources: readonly IdentitySource[],
    private readonly base = 0,
  ) {}

  /** Each source checks its answer if it can (see IdentitySource.lookupChecked). */
  lookupChecked(ip: string): Workload | undefined {
    // Indexed: this runs on the first request of every connection.
    for (let i = 0; i < this.sources.length; i++) {
      const source = this.sources[i]!;
      const found = source.lookupChecked !== undefined ? source.lookupChecked(ip) : source.lookup(ip);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** Sum of the sources' generations (it grows when any of them does); undefined if one has none. */
  generation(): number | undefined {
    let sum = this.base;
    for (let i = 0; i < this.sources.length; i++) {
      const generation = this.sources[i]!.generation;
      if (generation === undefined) return undefined;
      sum += generation;
    }
    return sum;
  }

  async resolveMiss(ip: string): Promise<Workload | undefined> {
    const pending = this.sources.filter((s) => s.resolveMiss !== undefined).map((s) => s.resolveMiss!(ip));
    for (const result of pending) {
      const found = await result;
      if (found !== undefined) return found;
    }
    // A source may have caught up through its events while another was still waiting.
    return this.lookupChecked(ip);
  }

  isReady(): boolean {
    return this.sources.every((s) => s.isReady());
  }

  *entries(): Iterable<[string, Workload]> {
    const seen = new Set<string>();
    for (const source of this.sources) {
      for (const [ip, workload] of source.entries()) {
        if (seen.has(ip)) continue;
        seen.add(ip);
        yield [ip, workload];
      }
    }
  }

  async start(): Promise<void> {
    await Promise.all(this.sources.map((s) => s.start()));
  }

  async close(): Promise<void> {
    await Promise.all(this.sources.map((s) => s.close()));
  }
}
