// Containers that are not running yet. The engine tells us a container's role when it is created
// (inspect) and its address when it joins a network (the network's endpoint list), both before its
// process runs; whichever comes second makes the container indexable before its `start` event, so its
// first request finds it. Any network kind whose endpoints we can read feeds addresses here.
import type { Workload } from '../workload.js';
import type { ContainerAddress } from './container-index.js';

interface Pending {
  workload?: Workload;
  addresses: Map<string, string>;
  /** Already handed to the index; kept until the container runs or goes so a resync does not drop it. */
  indexed: boolean;
}

export interface Indexable {
  workload: Workload;
  addresses: ContainerAddress[];
}

export class PendingContainers {
  private readonly byId = new Map<string, Pending>();

  /** The container's workload as created; returns what to index once an address is known too. */
  learnWorkload(id: string, workload: Workload, addresses: readonly ContainerAddress[]): Indexable | undefined {
    const pending = this.entry(id);
    pending.workload = workload;
    return this.add(pending, addresses);
  }

  /** Addresses read from a network's endpoints; returns what to index once the workload is known too. */
  learnAddresses(id: string, addresses: readonly ContainerAddress[]): Indexable | undefined {
    return this.add(this.entry(id), addresses);
  }

  /** Indexed ahead of its start: a list of running containers that lacks it is not a reason to drop it. */
  isStarting(id: string): boolean {
    return this.byId.get(id)?.indexed === true;
  }

  /** The container runs (the index has it from an inspect) or is gone. */
  forget(id: string): void {
    this.byId.delete(id);
  }

  get size(): number {
    return this.byId.size;
  }

  private entry(id: string): Pending {
    let pending = this.byId.get(id);
    if (pending === undefined) this.byId.set(id, (pending = { addresses: new Map(), indexed: false }));
    return pending;
  }

  private add(pending: Pending, addresses: readonly ContainerAddress[]): Indexable | undefined {
    for (const { address, network } of addresses) pending.addresses.set(address, network);
    if (pending.workload === undefined || pending.addresses.size === 0) return undefined;
    pending.indexed = true;
    return { workload: pending.workload, addresses: [...pending.addresses].map(([address, network]) => ({ address, network })) };
  }
}
