// The Docker engine as an identity source: list + inspect once, then Docker's event stream keeps an
// in-memory index current, so a request costs a map read and never a Docker API call.
//
// Ordering rule: an inspect answer is applied only if no newer event about that container arrived
// while it was in flight (a `die` that overtook the answer to an earlier inspect wins). Removals
// (die, destroy, network disconnect) take effect the moment their event arrives.
//
// First requests: a container's process can send its first packet before Docker's `start` event. So a
// container is indexed as early as Docker knows both its role (inspect after `create`) and its address
// (the network's endpoint list after `connect`), and a miss from a Docker subnet is held until its
// address is indexed or the deadline passes (see AddressHolds). After the event stream was lost, an
// indexed address may have changed hands unseen: until a resync succeeds, its lookups take the miss path.
//
// Address reuse: a new container on a freed address arrives on a new connection, and its engine's events
// about the old container may still be on their way (Podman's are). The first lookup of a connection
// (lookupChecked) asks /proc whether the indexed container's process still runs (ContainerProcesses);
// one that is gone is dropped there and then, and the request waits for the address's new holder.
import { createInterface } from 'node:readline';
import type Dockerode from 'dockerode';
import { systemClock, type Clock } from '../../core/clock.js';
import type { Logger } from '../../observability/logger.js';
import { noopMetrics, type Metrics } from '../../observability/metrics.js';
import { sameRole } from '../role-binding.js';
import type { IdentitySource, Workload, WorkloadEvent } from '../workload.js';
import { ContainerIndex } from './container-index.js';
import {
  containerAddresses,
  containerWorkload,
  envToKeep,
  isHostNetwork,
  type ContainerJson,
  type WorkloadRules,
} from './container-workload.js';
import { DockerSubnets } from './docker-networks.js';
import { endpointAddresses, SWARM_GATEWAY_NETWORK, type NetworkEndpointsJson } from './network-endpoints.js';
import type { ContainerAddress } from './container-index.js';
import { PendingContainers } from './pending-containers.js';
import { ContainerProcesses, type NamespaceOf } from './container-processes.js';
import { AddressHolds } from '../address-holds.js';
import { jitteredBackoffMs } from '../../core/backoff.js';
import { errorMessage } from '../../core/error-message.js';

export type DockerClient = Pick<Dockerode, 'listContainers' | 'listNetworks' | 'getContainer' | 'getNetwork' | 'getEvents'>;

export interface DockerSourceOptions {
  docker: DockerClient;
  logger: Logger;
  metrics?: Metrics;
  clock?: Clock;
  /** Jitter for reconnect delays; Math.random unless a test fixes it. */
  random?: () => number;
  /** How long a miss for an address inside a Docker network is held for the index (default 1000 ms). */
  missWaitMs?: number;
  /** ec2metaproxy `aliasToARN`, for the `ec2metaproxy.RoleAlias` label. */
  aliasToArn?: Readonly<Record<string, string>>;
  /** Role spec given to a container that brings a policy or external id but no role. */
  defaultRole?: string;
  /** ROLE_SESSION_KEY: its env var is kept on the workload for the roles module. */
  roleSessionKey?: string;
  /** More env vars to keep on workloads (COPY_DOCKER_ENV); the others may hold secrets and are dropped. */
  copyEnv?: readonly string[];
  /** Time limit of one list or inspect call (default 10 s). */
  requestTimeoutMs?: number;
  /** First reconnect delay (default 250 ms), doubling up to RECONNECT_MAX_MS. */
  reconnectMinMs?: number;
  /** How a container's process is seen (default: /proc); see ContainerProcesses. */
  namespaceOf?: NamespaceOf;
}

export interface DockerStatus {
  /** Following the event stream now. */
  connected: boolean;
  lastSyncAt?: Date;
  lastError?: string;
  containers: number;
  addresses: number;
}

type DockerEventJson = {
  Type?: unknown;
  Action?: unknown;
  Actor?: { ID?: unknown; Attributes?: Record<string, unknown> | null } | null;
};

// `create`: the role is read before the container runs (see PendingContainers).
const CONTAINER_ACTIONS = ['create', 'start', 'die', 'destroy', 'rename', 'update'];
// Network create/destroy change which addresses are worth waiting for on a miss.
const NETWORK_ACTIONS = ['connect', 'disconnect', 'create', 'destroy'];
const INSPECT_CONCURRENCY = 16;
/** Longest wait between reconnect attempts while the engine is unreachable. */
const RECONNECT_MAX_MS = 30_000;

export class DockerSource implements IdentitySource {
  readonly name = 'docker';
  private readonly docker: DockerClient;
  private readonly logger: Logger;
  private readonly metrics: Metrics;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly missWaitMs: number;
  private readonly requestTimeoutMs: number;
  private readonly reconnectMinMs: number;
  private readonly rules: WorkloadRules;
  private readonly index = new ContainerIndex();
  private subnets = new DockerSubnets();
  /**
   * Networks whose endpoints container inspect leaves out (docker_gwbridge, and any network a `connect`
   * event named that the container's inspect then did not show): read from the network itself.
   */
  private endpointNetworks = new Set<string>();
  private readonly learnedEndpointNetworks = new Set<string>();
  private readonly pending = new PendingContainers();
  private readonly processes: ContainerProcesses;
  private warnedInvisible = false;
  private readonly holds: AddressHolds;
  private readonly listeners: Array<(event: WorkloadEvent) => void> = [];
  /** Events may have been missed since the stream was lost; cleared by a resync listed after the loss. */
  private stale = false;
  private losses = 0;
  private staleChanges = 0;
  /** Sequence number of the last event per container, kept while it is indexed or being inspected. */
  private readonly lastEvent = new Map<string, number>();
  private readonly inspecting = new Map<string, number>();
  private eventSeq = 0;
  private syncRunning: Promise<void> | undefined;
  private syncQueued: Promise<void> | undefined;
  private stream: NodeJS.ReadableStream | undefined;
  private reconnectTimer: unknown;
  private reconnectAttempt = 0;
  private connected = false;
  private lastSyncAt: Date | undefined;
  private lastError: string | undefined;
  private closed = false;

  constructor(options: DockerSourceOptions) {
    this.docker = options.docker;
    this.logger = options.logger;
    this.metrics = options.metrics ?? noopMetrics;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.missWaitMs = options.missWaitMs ?? 1000;
    this.holds = new AddressHolds(this.clock);
    this.processes = new ContainerProcesses(options.namespaceOf);
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.reconnectMinMs = options.reconnectMinMs ?? 250;
    this.rules = {
      aliasToArn: options.aliasToArn ?? {},
      keepEnv: envToKeep(options.roleSessionKey, options.copyEnv),
    };
    if (options.defaultRole !== undefined) this.rules.defaultRole = options.defaultRole;
  }

  lookup(ip: string): Workload | undefined {
    return this.stale ? undefined : this.index.lookup(ip);
  }

  /** lookup() for a new connection: a container whose process is gone is dropped, not answered. */
  lookupChecked(ip: string): Workload | undefined {
    const found = this.lookup(ip);
    if (found === undefined || this.processes.runs(found.id)) return found;
    this.logger.info({ container: found.name }, 'container process gone before its engine said so; its addresses are dropped');
    // As its `die`: answers to inspects in flight are stale; its `start` event indexes it again if it restarts.
    this.lastEvent.set(found.id, ++this.eventSeq);
    this.removeContainer(found.id);
    return undefined;
  }

  get generation(): number {
    return this.index.generation + this.staleChanges;
  }

  entries(): Iterable<[string, Workload]> {
    return this.index.entries();
  }

  /** Every running container we know of, with or without addresses (host-network ones excluded). */
  workloads(): Iterable<Workload> {
    return this.index.workloads();
  }

  isReady(): boolean {
    return this.connected;
  }

  status(): DockerStatus {
    const status: DockerStatus = {
      connected: this.connected,
      containers: this.index.containers,
      addresses: this.index.size,
    };
    if (this.lastSyncAt !== undefined) status.lastSyncAt = this.lastSyncAt;
    if (this.lastError !== undefined) status.lastError = this.lastError;
    return status;
  }

  onChange(listener: (event: WorkloadEvent) => void): void {
    this.listeners.push(listener);
  }

  /**
   * First sync and event stream. Never throws: when Docker is unreachable the source keeps retrying in
   * the background and reports not ready, so the proxy still serves its other sources.
   */
  async start(): Promise<void> {
    await this.connect();
  }

  /**
   * Holds a miss from a Docker subnet until its address is indexed or missWaitMs pass; a resync that finds
   * nothing does not end it, since the container may be created but not yet listed as running.
   */
  async resolveMiss(ip: string): Promise<Workload | undefined> {
    if (this.closed) return undefined;
    const deadline = this.clock.now() + this.missWaitMs;
    const last = this.index.lookup(ip);
    if (last === undefined && !this.subnets.contains(ip)) return undefined;
    if (this.stale && !(await this.resynced(deadline)) && last !== undefined) {
      // Docker does not answer, so no new container can have taken the address: its last holder stands.
      return this.index.lookup(ip);
    }
    const known = this.lookupChecked(ip);
    if (known !== undefined || this.closed) return known;
    this.requestSync().catch((error: unknown) => this.logger.debug({ reason: reason(error) }, 'Docker sync after a miss failed'));
    const heldFrom = this.clock.now();
    const found = await this.holds.hold(ip, Math.max(0, deadline - this.clock.now()), () => this.lookupChecked(ip));
    // A hold ended by close() is neither outcome.
    if (!this.closed) this.metrics.firstRequestHold(found !== undefined ? 'found' : 'timeout', (this.clock.now() - heldFrom) / 1000);
    return found;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.connected = false;
    this.clock.clearTimeout(this.reconnectTimer);
    this.dropStream();
    this.holds.releaseAll();
    await this.syncRunning?.catch(() => undefined);
    await this.syncQueued?.catch(() => undefined);
  }

  private async connect(): Promise<void> {
    this.reconnectTimer = undefined;
    try {
      // Events are replayed from just before the list, so nothing between the two is missed.
      const since = Math.floor(this.clock.now() / 1000);
      await this.requestSync();
      await this.follow(since);
      if (this.closed) return this.dropStream();
      this.connected = true;
      this.reconnectAttempt = 0;
      this.lastError = undefined;
      this.logger.info({ containers: this.index.containers, addresses: this.index.size }, 'following Docker events');
    } catch (error) {
      this.lost(reason(error));
    }
  }

  private lost(why: string): void {
    this.dropStream();
    if (this.closed) return;
    // One WARN per change of state (connected, or starting, → unreachable); every retry after that at debug.
    const changed = this.connected || this.lastError === undefined;
    this.connected = false;
    this.losses += 1;
    if (!this.stale) {
      this.stale = true;
      this.staleChanges += 1;
    }
    this.lastError = why;
    const delay = jitteredBackoffMs(this.reconnectAttempt, this.reconnectMinMs, RECONNECT_MAX_MS, this.random);
    this.reconnectAttempt += 1;
    this.logger[changed ? 'warn' : 'debug'](
      { reason: why, retryInMs: Math.round(delay), containers: this.index.containers },
      'Docker unreachable; serving the containers already known',
    );
    this.clock.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = this.clock.setTimeout(() => void this.connect(), delay);
  }

  private async follow(since: number): Promise<void> {
    const stream = await this.docker.getEvents({
      since,
      filters: { type: ['container', 'network'], event: [...new Set([...CONTAINER_ACTIONS, ...NETWORK_ACTIONS])] },
    });
    this.stream = stream;
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    lines.on('line', (line) => this.handleEventLine(line));
    const ended = (why: string) => (): void => {
      if (this.stream === stream) this.lost(why);
    };
    const failed = (error: unknown): void => ended(`event stream failed: ${reason(error)}`)();
    stream.on('error', failed);
    // readline re-emits its input's errors; unheard, that would end the process.
    lines.on('error', failed);
    stream.on('end', ended('event stream ended'));
    stream.on('close', ended('event stream closed'));
  }

  private dropStream(): void {
    const stream = this.stream as (NodeJS.ReadableStream & { destroy?(): void }) | undefined;
    this.stream = undefined;
    stream?.destroy?.();
  }

  /** Resolves after a sync that started at or after the call; at most one runs at a time. */
  private requestSync(): Promise<void> {
    if (this.syncRunning === undefined) {
      this.syncRunning = this.sync().finally(() => {
        this.syncRunning = undefined;
      });
      return this.syncRunning;
    }
    this.syncQueued ??= this.syncRunning
      .catch(() => undefined)
      .then(() => {
        this.syncQueued = undefined;
        return this.requestSync();
      });
    return this.syncQueued;
  }

  /** True once a resync listed after the deadline-bounded wait began has succeeded. */
  private resynced(deadline: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => resolve(false), Math.max(0, deadline - this.clock.now()));
      const settle = (): void => {
        this.clock.clearTimeout(timer);
        resolve(!this.stale);
      };
      this.requestSync().then(settle, settle);
    });
  }

  /** List + inspect what changed; containers that vanished (and saw no event since the list) go. */
  private async sync(): Promise<void> {
    this.metrics.dockerResync();
    const listedAt = this.eventSeq;
    const losses = this.losses;
    const signal = (): AbortSignal => AbortSignal.timeout(this.requestTimeoutMs);
    const [containers, networks] = await Promise.all([
      this.docker.listContainers({ abortSignal: signal() }),
      this.docker.listNetworks({ abortSignal: signal() }),
    ]);
    this.subnets = new DockerSubnets(networks);
    const existing = new Set(networks.map((network) => network.Id));
    this.endpointNetworks = new Set([
      ...networks.filter((network) => network.Name === SWARM_GATEWAY_NETWORK).map((network) => network.Id),
      ...[...this.learnedEndpointNetworks].filter((id) => existing.has(id)),
    ]);
    const endpoints = await this.readEndpoints(this.endpointNetworks);
    const running = new Set(containers.map((container) => container.Id));
    const changed = containers.filter((container) => !isHostNetwork(container) && !this.isCurrent(container, endpoints.get(container.Id)));
    await forEachLimited(changed, INSPECT_CONCURRENCY, (container) => this.refreshOrWarn(container.Id, endpoints));
    for (const id of [...this.index.containerIds()]) {
      if (!running.has(id) && !this.pending.isStarting(id) && (this.lastEvent.get(id) ?? -1) <= listedAt) this.removeContainer(id);
    }
    this.lastSyncAt = new Date(this.clock.now());
    if (this.stale && this.losses === losses) {
      this.stale = false;
      this.staleChanges += 1;
    }
    // Docker answers again (a miss asked it): follow its events now, not when the backoff says.
    if (this.reconnectTimer !== undefined) {
      this.clock.clearTimeout(this.reconnectTimer);
      void this.connect();
    }
  }

  /** The index already holds this listed container with the same name and addresses. */
  private isCurrent(container: Dockerode.ContainerInfo, extra: readonly ContainerAddress[] = []): boolean {
    const known = this.index.get(container.Id);
    if (known === undefined || !(container.Names ?? []).includes(`/${known.name}`)) return false;
    const listed = [...containerAddresses(container.NetworkSettings), ...extra].map((a) => a.address);
    const indexed = this.index.addressesOf(container.Id);
    return listed.length === indexed.length && listed.every((address) => indexed.includes(address));
  }

  private handleEventLine(line: string): void {
    if (line.trim() === '') return;
    try {
      this.handleEvent(JSON.parse(line) as DockerEventJson);
    } catch (error) {
      // Thrown from a stream callback this would end the process; one odd event must not.
      this.logger.warn({ reason: reason(error) }, 'ignoring a Docker event that could not be handled');
    }
  }

  private handleEvent(event: DockerEventJson): void {
    const action = typeof event.Action === 'string' ? event.Action : '';
    const actorId = typeof event.Actor?.ID === 'string' ? event.Actor.ID : undefined;
    if (event.Type === 'container' && CONTAINER_ACTIONS.includes(action) && actorId !== undefined) {
      this.metrics.dockerEvent(action);
      this.containerEvent(actorId, action);
    } else if (event.Type === 'network' && NETWORK_ACTIONS.includes(action)) {
      this.metrics.dockerEvent(`network_${action}`);
      const container = event.Actor?.Attributes?.container;
      if (action === 'create' || action === 'destroy') void this.refreshSubnets();
      else if (typeof container === 'string' && actorId !== undefined) this.containerEvent(container, action, actorId);
    }
  }

  private containerEvent(id: string, action: string, network?: string): void {
    // A connect before the container runs must not void its create-time inspect: the endpoint read needs that role.
    if (action !== 'connect' || this.index.get(id) !== undefined) this.lastEvent.set(id, ++this.eventSeq);
    this.logger.debug({ container: this.index.get(id)?.name ?? id.slice(0, 12), action }, 'Docker event');
    if (action === 'die' || action === 'destroy') return this.removeContainer(id);
    if (action === 'disconnect' && network !== undefined && this.index.removeNetwork(id, network) > 0) {
      this.metrics.indexSize('docker', this.index.size);
    }
    if (action === 'connect' && network !== undefined) void this.warnOnFailure(id, this.readEndpoint(id, network));
    void this.refreshOrWarn(id, undefined, action === 'connect' ? network : undefined);
  }

  /** `endpoints`: what the endpoint networks list, when the caller has read them already (a sync). */
  private refreshOrWarn(id: string, endpoints?: Map<string, ContainerAddress[]>, connected?: string): Promise<void> {
    return this.warnOnFailure(id, this.refresh(id, endpoints, connected));
  }

  private warnOnFailure(id: string, work: Promise<void>): Promise<void> {
    return work.catch((error: unknown) =>
      this.logger.warn({ container: id.slice(0, 12), reason: reason(error) }, 'Docker inspect failed; the next sync retries'),
    );
  }

  /**
   * Inspects a container and indexes it as it is now (created → pending, gone or stopped → removed), with
   * its addresses on the endpoint networks. `connected`: the network a `connect` event named.
   */
  private refresh(id: string, endpoints?: Map<string, ContainerAddress[]>, connected?: string): Promise<void> {
    return this.answerUnlessOvertaken(id, async () => {
      const [container, listed] = await Promise.all([this.inspectContainer(id), endpoints ?? this.readEndpoints(this.endpointNetworks)]);
      let extra = listed.get(id) ?? [];
      const addresses = container === undefined ? [] : containerAddresses(container.NetworkSettings);
      const running = container?.State?.Running === true;
      if (running && connected !== undefined && !this.endpointNetworks.has(connected) && !addresses.some((a) => a.network === connected)) {
        // Connected, yet not in the container's own answer: this network hides its endpoints too.
        this.learnedEndpointNetworks.add(connected);
        this.endpointNetworks.add(connected);
        extra = [...extra, ...((await this.readEndpoints(new Set([connected]))).get(id) ?? [])];
      }
      return { container, addresses: [...addresses, ...extra] };
    }, ({ container, addresses }) => {
      if (container === undefined || isHostNetwork(container)) this.removeContainer(id);
      else if (container.State?.Running === true) this.indexContainer(container, addresses);
      else if (container.State?.Status === 'created') this.announce(container, addresses);
      else this.removeContainer(id);
    });
  }

  /** The container's address on a network it just joined, from the network's endpoint list. */
  private readEndpoint(id: string, network: string): Promise<void> {
    return this.answerUnlessOvertaken(id, async () => (await this.readEndpoints(new Set([network]))).get(id) ?? [], (addresses) => {
      if (addresses.length === 0) return;
      const indexed = this.index.get(id);
      if (indexed !== undefined) return this.place(id, indexed, [...this.index.claimsOf(id), ...addresses]);
      const ready = this.pending.learnAddresses(id, addresses);
      if (ready !== undefined) this.place(id, ready.workload, ready.addresses);
    });
  }

  /** Asks Docker about a container; applies the answer only if no newer event about it arrived meanwhile. */
  private async answerUnlessOvertaken<T>(id: string, ask: () => Promise<T>, apply: (answer: T) => void): Promise<void> {
    const ticket = this.lastEvent.get(id);
    this.inspecting.set(id, (this.inspecting.get(id) ?? 0) + 1);
    try {
      const answer = await ask();
      if (!this.closed && this.lastEvent.get(id) === ticket) apply(answer);
    } finally {
      const left = (this.inspecting.get(id) ?? 1) - 1;
      if (left > 0) this.inspecting.set(id, left);
      else this.inspecting.delete(id);
      this.forgetIfIdle(id);
    }
  }

  private async inspectContainer(id: string): Promise<ContainerJson | undefined> {
    try {
      return (await this.docker.getContainer(id).inspect({ abortSignal: AbortSignal.timeout(this.requestTimeoutMs) })) as ContainerJson;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
      return undefined;
    }
  }

  /** Container id → addresses, from the endpoint lists of these networks (none on a host outside a swarm). */
  private async readEndpoints(networks: ReadonlySet<string>): Promise<Map<string, ContainerAddress[]>> {
    if (networks.size === 0) return new Map();
    const answers = await Promise.all(
      [...networks].map(async (id) => {
        try {
          return (await withTimeout(this.docker.getNetwork(id).inspect(), this.requestTimeoutMs)) as NetworkEndpointsJson;
        } catch (error) {
          if ((error as { statusCode?: number }).statusCode === 404) return {};
          throw error;
        }
      }),
    );
    return endpointAddresses(answers);
  }

  private indexContainer(container: ContainerJson, addresses: ContainerAddress[]): void {
    const tracking = this.processes.track(container.Id, container.State?.Pid);
    // Running when inspected, gone now: indexed, it would answer for an address a new container may hold.
    if (tracking === 'gone') return this.removeContainer(container.Id);
    if (tracking === 'untracked' && (container.State?.Pid ?? 0) > 0) this.warnInvisible(container.State!.Pid!);
    const { workload, warnings } = containerWorkload(container, this.rules);
    for (const warning of warnings) this.logger.warn({ container: workload.name }, `container ${workload.name}: ${warning}`);
    this.pending.forget(container.Id);
    this.place(container.Id, workload, addresses);
  }

  /** A created container: its role is known now, its address may be already (user network) or later (connect). */
  private announce(container: ContainerJson, addresses: readonly ContainerAddress[]): void {
    const { workload } = containerWorkload(container, this.rules);
    const ready = this.pending.learnWorkload(container.Id, workload, addresses);
    if (ready !== undefined) this.place(container.Id, ready.workload, ready.addresses);
  }

  /** Indexes a container and answers the misses held on its addresses (after listeners started its prefetch). */
  private place(id: string, workload: Workload, addresses: readonly ContainerAddress[]): void {
    const previous = this.index.get(id);
    this.index.set(id, workload, addresses);
    this.metrics.indexSize('docker', this.index.size);
    if (previous === undefined || !sameRole(previous.role, workload.role)) {
      if (previous !== undefined) this.emit({ type: 'removed', workload: previous });
      this.emit({ type: 'added', workload });
    }
    for (const { address } of addresses) this.holds.release(address);
  }

  private warnInvisible(pid: number): void {
    if (this.warnedInvisible) return;
    this.warnedInvisible = true;
    this.logger.warn(
      { pid },
      "containers' processes are not visible here (run the proxy in the host's PID namespace, e.g. --pid=host): " +
        'an address reused by a new container then relies on the engine reporting the old one gone in time',
    );
  }

  private removeContainer(id: string): void {
    this.pending.forget(id);
    this.processes.forget(id);
    const removed = this.index.remove(id);
    this.forgetIfIdle(id);
    if (removed === undefined) return;
    this.metrics.indexSize('docker', this.index.size);
    this.emit({ type: 'removed', workload: removed });
  }

  private forgetIfIdle(id: string): void {
    if (!this.inspecting.has(id) && this.index.get(id) === undefined) this.lastEvent.delete(id);
  }

  private async refreshSubnets(): Promise<void> {
    try {
      this.subnets = new DockerSubnets(await this.docker.listNetworks({ abortSignal: AbortSignal.timeout(this.requestTimeoutMs) }));
    } catch (error) {
      this.logger.warn({ reason: reason(error) }, 'listing Docker networks failed; the next sync retries');
    }
  }

  private emit(event: WorkloadEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** dockerode's network inspect takes no abort signal: the time limit is raced instead. */
function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  const signal = AbortSignal.timeout(ms);
  return Promise.race([work, new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)))]);
}

function reason(error: unknown): string {
  // Our only abort signals are the request time limits.
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) return 'Docker did not answer in time';
  return errorMessage(error);
}
