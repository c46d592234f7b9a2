// A few Docker Engine API endpoints on a unix socket in a temp dir, for fast unit tests of the Docker
// source's event handling, resync and reconnect with the real dockerode client. The real engine is
// exercised by the end-to-end suite.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerJson } from '../../src/identity/docker/container-workload.js';
import type { NetworkJson } from '../../src/identity/docker/docker-networks.js';
import type { NetworkEndpointsJson } from '../../src/identity/docker/network-endpoints.js';

export interface StubEvent {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes?: Record<string, string> };
  time?: number;
}

export class DockerApiStub {
  readonly socketPath: string;
  /** Running and stopped containers by id; only running ones are listed. */
  readonly containers = new Map<string, ContainerJson>();
  /** Listed without their endpoints (`Containers`), which only a network's own inspect answer shows. */
  networks: Array<NetworkJson & NetworkEndpointsJson & { Id: string; Name: string }> = [];
  /** Answer inspect of these ids with this status code. */
  readonly inspectStatus = new Map<string, number>();
  /** Paths (without query) in the order they were requested. */
  readonly requests: string[] = [];
  /** Query strings of /events subscriptions. */
  readonly eventSubscriptions: URLSearchParams[] = [];
  /** Events sent so far, replayed to subscribers asking `since`. */
  private readonly history: StubEvent[] = [];
  private readonly streams = new Set<ServerResponse>();
  private readonly dir: string;
  private server: Server | undefined;
  private held: { matches: (path: string) => boolean; queue: Array<() => void> } | undefined;
  private waitingForSubscriptions: Array<{ count: number; resolve: () => void }> = [];

  constructor(private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000)) {
    this.dir = mkdtempSync(join(tmpdir(), 'docker-stub-'));
    this.socketPath = join(this.dir, 'docker.sock');
  }

  async listen(): Promise<this> {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://docker');
      const path = url.pathname.replace(/^\/v\d+\.\d+/, '');
      this.requests.push(path);
      if (this.held?.matches(path)) this.held.queue.push(() => this.answer(path, url, res));
      else this.answer(path, url, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.socketPath, resolve);
    });
    this.server = server;
    return this;
  }

  /** Holds answers to matching paths until the returned function is called; they then see the state of that moment. */
  hold(matches: (path: string) => boolean): () => void {
    const held = { matches, queue: [] as Array<() => void> };
    this.held = held;
    return () => {
      if (this.held === held) this.held = undefined;
      for (const answer of held.queue) answer();
    };
  }

  private answer(path: string, url: URL, res: ServerResponse): void {
    const inspect = /^\/containers\/([^/]+)\/json$/.exec(path);
    const network = /^\/networks\/([^/]+)$/.exec(path);
    if (path === '/containers/json') return json(res, 200, [...this.containers.values()].filter(isRunning).map(summary));
    if (path === '/networks') return json(res, 200, this.networks.map(({ Containers: _endpoints, ...listed }) => listed));
    if (network !== null) {
      const found = this.networks.find((candidate) => candidate.Id === decodeURIComponent(network[1]!));
      return found === undefined ? json(res, 404, { message: 'no such network' }) : json(res, 200, found);
    }
    if (path === '/events') return this.subscribe(url.searchParams, res);
    if (inspect !== null) {
      const id = decodeURIComponent(inspect[1]!);
      const status = this.inspectStatus.get(id);
      const container = this.containers.get(id);
      if (status !== undefined) return json(res, status, { message: 'stub failure' });
      return container === undefined ? json(res, 404, { message: `No such container: ${id}` }) : json(res, 200, container);
    }
    json(res, 404, { message: 'page not found' });
  }

  /** Sends an event to every open /events stream. */
  emit(event: StubEvent): void {
    const stamped = { ...event, time: event.time ?? this.nowSeconds() };
    this.history.push(stamped);
    for (const stream of this.streams) stream.write(`${JSON.stringify(stamped)}\n`);
  }

  /** Writes raw text to the event streams (for odd input). */
  emitRaw(text: string): void {
    for (const stream of this.streams) stream.write(text);
  }

  /** Resolves once there are `count` /events subscriptions in total. */
  subscriptions(count: number): Promise<void> {
    if (this.eventSubscriptions.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waitingForSubscriptions.push({ count, resolve }));
  }

  /** Ends every open /events stream, as a daemon does when it shuts down cleanly. */
  dropEventStreams(): void {
    for (const stream of this.streams) stream.end();
    this.streams.clear();
  }

  get openEventStreams(): number {
    return this.streams.size;
  }

  /** Like a daemon going away: the socket stops answering and open streams break. */
  async stop(): Promise<void> {
    for (const stream of this.streams) stream.destroy();
    this.streams.clear();
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(this.socketPath, { force: true });
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private subscribe(query: URLSearchParams, res: ServerResponse): void {
    this.eventSubscriptions.push(query);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.flushHeaders();
    const since = query.get('since');
    if (since !== null) {
      for (const event of this.history) if ((event.time ?? 0) >= Number(since)) res.write(`${JSON.stringify(event)}\n`);
    }
    this.streams.add(res);
    res.on('close', () => this.streams.delete(res));
    const reached = this.waitingForSubscriptions.filter((waiter) => waiter.count <= this.eventSubscriptions.length);
    this.waitingForSubscriptions = this.waitingForSubscriptions.filter((waiter) => !reached.includes(waiter));
    for (const waiter of reached) waiter.resolve();
  }
}

/** A container as inspect shows it, on the default bridge unless networks are given. */
export function stubContainer(
  id: string,
  options: {
    name?: string;
    env?: string[];
    labels?: Record<string, string>;
    networks?: Record<string, { NetworkID: string; IPAddress?: string; GlobalIPv6Address?: string }>;
    hostname?: string;
    networkMode?: string;
    running?: boolean;
    /** Created, never started (State.Status `created`). */
    created?: boolean;
  } = {},
): ContainerJson {
  return {
    Id: id,
    Name: `/${options.name ?? id}`,
    State: options.created === true ? { Running: false, Status: 'created' } : { Running: options.running ?? true },
    Config: { Hostname: options.hostname ?? id.slice(0, 12), Domainname: '', Env: options.env ?? [], Labels: options.labels ?? {} },
    HostConfig: { NetworkMode: options.networkMode ?? 'bridge' },
    NetworkSettings: { Networks: options.networks ?? {} },
  };
}

function isRunning(container: ContainerJson): boolean {
  return container.State?.Running === true;
}

/** The list answer carries names, labels and network addresses, but not env. */
function summary(container: ContainerJson): object {
  return {
    Id: container.Id,
    Names: [container.Name],
    Labels: container.Config?.Labels ?? {},
    State: 'running',
    HostConfig: { NetworkMode: container.HostConfig?.NetworkMode ?? 'bridge' },
    NetworkSettings: { Networks: container.NetworkSettings?.Networks ?? {} },
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
