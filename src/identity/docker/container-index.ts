// Address → container, kept exact under churn: an address belongs to the container that most recently
// claimed it, so a late `die` of an old container never removes the address its successor now holds
// (lyft/metadataproxy's cache once gave a reused address the previous container's role).
import type { Workload } from '../workload.js';

export interface ContainerAddress {
  address: string;
  /** Network id; lets a `network disconnect` drop just that network's addresses. */
  network: string;
}

interface ContainerRecord {
  workload: Workload;
  /** address → network id */
  addresses: Map<string, string>;
}

export class ContainerIndex {
  private readonly byAddress = new Map<string, ContainerRecord>();
  private readonly byContainer = new Map<string, ContainerRecord>();
  private changes = 0;

  /** Hot path: one map read. */
  lookup(address: string): Workload | undefined {
    return this.byAddress.get(address)?.workload;
  }

  get(containerId: string): Workload | undefined {
    return this.byContainer.get(containerId)?.workload;
  }

  addressesOf(containerId: string): string[] {
    return [...(this.byContainer.get(containerId)?.addresses.keys() ?? [])];
  }

  /** The container's addresses with their networks, as `set` takes them. */
  claimsOf(containerId: string): ContainerAddress[] {
    return [...(this.byContainer.get(containerId)?.addresses ?? [])].map(([address, network]) => ({ address, network }));
  }

  /** Records a container as it is now; an address another container held moves to this one. */
  set(containerId: string, workload: Workload, addresses: Iterable<ContainerAddress>): void {
    let record = this.byContainer.get(containerId);
    if (record === undefined) {
      record = { workload, addresses: new Map() };
      this.byContainer.set(containerId, record);
    }
    record.workload = workload;
    this.changes++;
    const next = new Map<string, string>();
    for (const { address, network } of addresses) next.set(address, network);
    for (const address of record.addresses.keys()) {
      if (!next.has(address)) this.release(record, address);
    }
    for (const [address, network] of next) {
      const holder = this.byAddress.get(address);
      if (holder !== undefined && holder !== record) holder.addresses.delete(address);
      this.byAddress.set(address, record);
      record.addresses.set(address, network);
    }
  }

  /** Forgets a container; returns its workload if it was known. */
  remove(containerId: string): Workload | undefined {
    const record = this.byContainer.get(containerId);
    if (record === undefined) return undefined;
    for (const address of [...record.addresses.keys()]) this.release(record, address);
    this.byContainer.delete(containerId);
    return record.workload;
  }

  /** Drops the addresses a container has on one network; returns how many. */
  removeNetwork(containerId: string, network: string): number {
    const record = this.byContainer.get(containerId);
    if (record === undefined) return 0;
    const dropped = [...record.addresses].filter(([, net]) => net === network).map(([address]) => address);
    for (const address of dropped) this.release(record, address);
    return dropped.length;
  }

  containerIds(): IterableIterator<string> {
    return this.byContainer.keys();
  }

  *workloads(): Iterable<Workload> {
    for (const record of this.byContainer.values()) yield record.workload;
  }

  *entries(): Iterable<[string, Workload]> {
    for (const [address, record] of this.byAddress) yield [address, record.workload];
  }

  /** Grows with every change to what lookup() answers. */
  get generation(): number {
    return this.changes;
  }

  get containers(): number {
    return this.byContainer.size;
  }

  /** Number of indexed addresses. */
  get size(): number {
    return this.byAddress.size;
  }

  private release(record: ContainerRecord, address: string): void {
    record.addresses.delete(address);
    if (this.byAddress.get(address) !== record) return;
    this.byAddress.delete(address);
    this.changes++;
  }
}
