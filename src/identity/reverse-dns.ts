// ROLE_REVERSE_LOOKUP: for containers whose addresses Docker does not know (networking managed outside
// Docker, names in DNS or /etc/hosts), the caller's reverse-DNS name is matched to a container's host
// name. As in lyft/metadataproxy, HOSTNAME_MATCH_REGEX is matched at the start of both names (like
// Python's re.match) and the first capture group of each must be equal; a pattern without a group (the
// default `^.*$`) compares the whole matched names. Names compare case-insensitively, without a trailing
// dot. Only consulted after the other sources miss; answers are cached briefly, found or not.
import { promises as dns } from 'node:dns';
import { systemClock, type Clock } from '../core/clock.js';
import type { Logger } from '../observability/logger.js';
import type { IdentitySource, Workload, WorkloadEvent } from './workload.js';
import { errorMessage } from '../core/error-message.js';

export type ReverseResolver = (ip: string) => Promise<string[]>;

/** The containers to match against (the Docker source). */
export interface ContainerDirectory {
  workloads(): Iterable<Workload>;
  onChange(listener: (event: WorkloadEvent) => void): void;
}

export interface ReverseDnsOptions {
  containers: ContainerDirectory;
  logger: Logger;
  /** HOSTNAME_MATCH_REGEX (default `^.*$`). */
  hostnameMatch?: RegExp;
  resolver?: ReverseResolver;
  clock?: Clock;
  foundTtlMs?: number;
  notFoundTtlMs?: number;
  /** Bound on cached addresses; the oldest go first. */
  maxEntries?: number;
}

interface CachedAnswer {
  workload: Workload | undefined;
  expiresAt: number;
}

export class ReverseDnsSource implements IdentitySource {
  readonly name = 'reverse-dns';
  private readonly containers: ContainerDirectory;
  private readonly logger: Logger;
  private readonly pattern: RegExp;
  private readonly resolver: ReverseResolver;
  private readonly clock: Clock;
  private readonly foundTtlMs: number;
  private readonly notFoundTtlMs: number;
  private readonly maxEntries: number;
  private readonly cache = new Map<string, CachedAnswer>();
  /** Workload id (undefined for misses) → addresses cached with that answer, so an event touches only those. */
  private readonly ipsByWorkload = new Map<string | undefined, Set<string>>();
  private readonly pending = new Map<string, Promise<Workload | undefined>>();

  constructor(options: ReverseDnsOptions) {
    this.containers = options.containers;
    this.logger = options.logger;
    // Sticky: anchored at the start of the name, as Python's re.match is.
    const pattern = options.hostnameMatch ?? /^.*$/;
    this.pattern = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '') + 'y');
    this.resolver = options.resolver ?? ((ip) => dns.reverse(ip));
    this.clock = options.clock ?? systemClock;
    this.foundTtlMs = options.foundTtlMs ?? 60_000;
    this.notFoundTtlMs = options.notFoundTtlMs ?? 10_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.containers.onChange((event) => this.forgetOnChange(event));
  }

  lookup(ip: string): Workload | undefined {
    return this.fresh(ip)?.workload;
  }

  resolveMiss(ip: string): Promise<Workload | undefined> {
    const cached = this.fresh(ip);
    if (cached !== undefined) return Promise.resolve(cached.workload);
    let pending = this.pending.get(ip);
    if (pending === undefined) {
      pending = this.resolve(ip).finally(() => this.pending.delete(ip));
      this.pending.set(ip, pending);
    }
    return pending;
  }

  *entries(): Iterable<[string, Workload]> {
    for (const [ip, answer] of this.cache) {
      if (answer.workload !== undefined && answer.expiresAt > this.clock.now()) yield [ip, answer.workload];
    }
  }

  isReady(): boolean {
    return true;
  }

  /** No events of its own: the workloads found here are the Docker source's, which reports them already. */
  onChange(_listener: (event: WorkloadEvent) => void): void {}

  async start(): Promise<void> {}

  async close(): Promise<void> {
    this.cache.clear();
    this.ipsByWorkload.clear();
  }

  private fresh(ip: string): CachedAnswer | undefined {
    const answer = this.cache.get(ip);
    if (answer === undefined || answer.expiresAt > this.clock.now()) return answer;
    this.forget(ip);
    return undefined;
  }

  private async resolve(ip: string): Promise<Workload | undefined> {
    let names: string[] = [];
    try {
      names = await this.resolver(ip);
    } catch (error) {
      // No PTR record is the common case for callers that are not ours.
      this.logger.debug({ ip, reason: errorMessage(error) }, 'reverse lookup found no name');
    }
    const keys = new Set(names.map((name) => this.matchKey(name)).filter((key) => key !== undefined));
    const matches = [...this.containers.workloads()].filter((workload) => {
      const key = workload.hostname === undefined ? undefined : this.matchKey(workload.hostname);
      return key !== undefined && keys.has(key);
    });
    if (matches.length > 1) {
      // Several containers share the name: handing out any one role could be the wrong one.
      this.logger.warn({ ip, containers: matches.map((w) => w.name) }, 'reverse lookup matches several containers; none chosen');
    }
    const workload = matches.length === 1 ? matches[0] : undefined;
    this.remember(ip, workload);
    return workload;
  }

  private matchKey(name: string): string | undefined {
    this.pattern.lastIndex = 0;
    const match = this.pattern.exec(name.replace(/\.$/, '').toLowerCase());
    const key = match === null ? undefined : match.length > 1 ? match[1] : match[0];
    // An empty key would make every name equal to every other.
    return key === '' ? undefined : key;
  }

  private remember(ip: string, workload: Workload | undefined): void {
    this.forget(ip);
    this.cache.set(ip, { workload, expiresAt: this.clock.now() + (workload === undefined ? this.notFoundTtlMs : this.foundTtlMs) });
    let ips = this.ipsByWorkload.get(workload?.id);
    if (ips === undefined) this.ipsByWorkload.set(workload?.id, (ips = new Set()));
    ips.add(ip);
    if (this.cache.size > this.maxEntries) this.forget(this.cache.keys().next().value!);
  }

  private forget(ip: string): void {
    const answer = this.cache.get(ip);
    if (answer === undefined) return;
    this.cache.delete(ip);
    const ips = this.ipsByWorkload.get(answer.workload?.id)!;
    ips.delete(ip);
    if (ips.size === 0) this.ipsByWorkload.delete(answer.workload?.id);
  }

  /** A stopped container's answer must not outlive it; a new container may answer a cached miss. */
  private forgetOnChange(event: WorkloadEvent): void {
    const key = event.type === 'removed' ? event.workload.id : undefined;
    for (const ip of this.ipsByWorkload.get(key) ?? []) this.cache.delete(ip);
    this.ipsByWorkload.delete(key);
  }
}
