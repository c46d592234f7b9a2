// A fixed set of callers (the embedded demo). Never changes, so it is always ready.
import type { IdentitySource, Workload, WorkloadEvent } from './workload.js';

export class StaticIdentitySource implements IdentitySource {
  readonly name = 'static';
  readonly generation = 0;
  private readonly byAddress: ReadonlyMap<string, Workload>;

  constructor(entries: Iterable<[string, Workload]>) {
    this.byAddress = new Map(entries);
  }

  lookup(ip: string): Workload | undefined {
    return this.byAddress.get(ip);
  }

  entries(): Iterable<[string, Workload]> {
    return this.byAddress.entries();
  }

  isReady(): boolean {
    return true;
  }

  onChange(listener: (event: WorkloadEvent) => void): void {
    // Announce the fixed callers once, so their credentials are prefetched like any others.
    queueMicrotask(() => {
      for (const workload of this.byAddress.values()) listener({ type: 'added', workload });
    });
  }

  async start(): Promise<void> {}

  async close(): Promise<void> {}
}
