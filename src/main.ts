// The one place that wires real dependencies: config in, a running proxy out. Tests call startProxy with
// their own clock, STS endpoint and sources; the CLI calls it with the defaults.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config/types.js';
import { SettingError } from './core/errors.js';
import { systemClock, type Clock } from './core/clock.js';
import type { StsGateway } from './credentials/types.js';
import { OfflineStsGateway } from './credentials/offline-sts.js';
import { CredentialCache } from './credentials/cache.js';
import { CallerService } from './callers/caller-service.js';
import { Prefetch } from './callers/prefetch.js';
import type { IamGateway } from './roles/resolver.js';
import { RoleResolver } from './roles/resolver.js';
import { defaultBinding } from './config/effective.js';
import { assumeRoleSettings } from './roles/assume-request.js';
import { parseSourceIdentityKey } from './roles/source-identity.js';
import { CompositeIdentity } from './identity/composite.js';
import { MappingFileSource } from './identity/mapping-file.js';
import { StaticIdentitySource } from './identity/static-source.js';
import { DockerSource, type DockerClient } from './identity/docker/docker-source.js';
import type { EngineQueries } from './identity/docker/choose-engine.js';
import { ReverseDnsSource, type ReverseResolver } from './identity/reverse-dns.js';
import type { IdentitySource } from './identity/workload.js';
import { createMockImds } from './upstream/mock-imds.js';
import type { MetadataBackend } from './upstream/backend.js';
import { withPassthroughLines } from './upstream/passthrough-lines.js';
import { createRequestGate } from './server/gate.js';
import { createTokenService, type TokenService } from './tokens/token-service.js';
import { loadTokenKey } from './tokens/token-key.js';
import { createRequestHandler } from './server/handler.js';
import { createContainerCredentialsHandler } from './server/container-credentials.js';
import { applyServerLimits, serverOptions, type ServerLimits } from './server/limits.js';
import { answerHalfClosedClients } from './imds/node-http.js';
import { meterReading } from './server/metered-reading.js';
import { ListenerSet, type ListenerSpec } from './server/listener-set.js';
import { splitHostList } from './config/parsers.js';
import { silentLogger, type Logger } from './observability/logger.js';
import type { Metrics } from './observability/metrics.js';
import { createMetrics, type MetricsSetup } from './observability/setup.js';
import { createRequestLog } from './observability/request-log.js';
import { createRequestIdGenerator } from './observability/request-id.js';
import { adminRequestListener, boundAddress, metricsHandler, type Readiness } from './admin/admin-server.js';
import { registerStateGauges } from './observability/state-gauges.js';
import { buildReadiness, buildStatusReport } from './admin/build-status.js';
import { closeAll, drainServer, gracefulShutdown, type Closeable } from './admin/shutdown.js';
import { StsHealth } from './credentials/sts-health.js';
import { OwnIdentity } from './credentials/own-identity.js';
import { settingsText } from './config/load.js';
import { parseHostPort, urlHost } from './observability/address.js';
import { demoCallers } from './identity/demo-callers.js';

/** Side effects a test may replace. */
export interface ProxyDeps {
  clock?: Clock;
  random?: () => number;
  logger?: Logger;
  /** Metrics sinks and the Prometheus registry; built from the settings when left out. */
  telemetry?: MetricsSetup;
  /** Records what the proxy reports instead of the configured sinks (tests, benchmarks). */
  metrics?: Metrics;
  sts?: StsGateway;
  iam?: IamGateway;
  /** Extra identity sources, asked after the configured ones. */
  sources?: IdentitySource[];
  /** Docker Engine API client; built from DOCKER_URL when left out. */
  docker?: DockerClient;
  /** Reverse DNS for ROLE_REVERSE_LOOKUP; the system resolver when left out. */
  reverseResolver?: ReverseResolver;
  /** Tighter timeouts for tests of slow clients. */
  serverLimits?: Partial<ServerLimits>;
}

export interface RunningProxy {
  /** `http://host:port` of the (first) metadata listener. */
  readonly url: string;
  /** One per HOST address. */
  readonly urls: string[];
  /** `http://host:port` of the container-credentials listener, when CONTAINER_CREDENTIALS_PORT is set. */
  readonly containerCredentialsUrl?: string;
  readonly port: number;
  /** `host:port` of the admin listener. */
  readonly adminAddress: string;
  /** Names of the identity sources in the order they are asked. */
  readonly sourceNames: string[];
  readonly identity: CompositeIdentity;
  readonly docker?: DockerSource;
  readonly cache: CredentialCache;
  /** SIGHUP with unchanged settings: re-read the mapping file. */
  reload(): Promise<void>;
  /**
   * SIGHUP with changed settings: rebuild what reads them (identity sources, role resolution, STS and IAM
   * clients, the request handlers) and swap it in. The token key (unless TOKEN_KEY_FILE changed), the
   * credential cache and unchanged listeners are kept; a changed listen address rebinds that listener only.
   * Rejects with the running proxy untouched when the new settings cannot start.
   */
  applySettings(next: Config, logger?: Logger): Promise<SettingsChange>;
  /** Stops accepting, lets in-flight requests finish (up to the deadline), then releases everything. */
  close(drainTimeoutMs?: number): Promise<void>;
}

export interface SettingsChange {
  changed: Array<keyof Config>;
  /** Changed settings that only a restart applies (metrics sinks and their labels, New Relic). */
  restartOnly: Array<keyof Config>;
}

interface IdentitySetup {
  sources: IdentitySource[];
  docker?: DockerSource;
}

// The AWS SDK, dockerode and undici are loaded only when the settings need them: each costs start-up time
// and megabytes of heap that a mock-mode, offline or Docker-less proxy never uses.

async function identitySources(config: Config, deps: ProxyDeps, logger: Logger, metrics: Metrics, clock: Clock): Promise<IdentitySetup> {
  const sources: IdentitySource[] = [];
  if (config.demo) sources.push(new StaticIdentitySource(demoCallers));
  // The mapping file comes before Docker, so it can pin addresses Docker also reports.
  if (config.roleMappingFile !== undefined) {
    sources.push(new MappingFileSource({ path: config.roleMappingFile, logger, metrics, clock }));
  }
  let docker: DockerSource | undefined;
  if (config.dockerEnabled) {
    docker = new DockerSource({
      docker: deps.docker ?? (await loadDockerClient(config, logger)),
      logger,
      metrics,
      clock,
      missWaitMs: config.dockerMissWaitMs,
      aliasToArn: config.aliasToArn,
      // A container that brings a policy or external id but no role gets them on the default role.
      defaultRole: defaultBinding(config)?.spec,
      roleSessionKey: config.roleSessionKey,
      copyEnv: [...config.copyDockerEnv, ...sourceIdentityEnv(config)],
    });
    sources.push(docker);
    if (config.roleReverseLookup) {
      sources.push(
        new ReverseDnsSource({
          containers: docker,
          logger,
          hostnameMatch: config.hostnameMatchRegex,
          resolver: deps.reverseResolver,
          clock,
        }),
      );
    }
  }
  return { sources: [...sources, ...(deps.sources ?? [])], docker };
}

/** The container env variable SOURCE_IDENTITY_KEY reads, kept on the workload as ROLE_SESSION_KEY's is. */
function sourceIdentityEnv(config: Config): string[] {
  const key = config.sourceIdentityKey === undefined ? undefined : parseSourceIdentityKey(config.sourceIdentityKey);
  return key !== undefined && (key.from === 'env' || key.from === 'labels-then-env') ? [key.name] : [];
}

/** The engine at DOCKER_URL; rootful Podman's compatibility API is read through a client that speaks it. */
async function loadDockerClient(config: Config, logger: Logger): Promise<DockerClient> {
  const { createDockerClient } = await import('./identity/docker/docker-url.js');
  const { engineClient } = await import('./identity/docker/choose-engine.js');
  const client = asSettingError(() => createDockerClient(config.dockerUrl));
  return engineClient(client as DockerClient & EngineQueries, config.containerEngine, config.dockerUrl, logger);
}

function asSettingError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof SettingError) throw error;
    throw new SettingError((error as Error).message);
  }
}

/** What a reload keeps: the token key, the credential cache, the metrics and the listening sockets. */
interface Kept {
  clock: Clock;
  random: () => number;
  telemetry: MetricsSetup;
  metrics: Metrics;
  cache: CredentialCache;
  tokens: TokenService;
  listeners: ListenerSet;
  /** The cache's STS from now on: parts being built prefetch through their own gateway as they start. */
  useSts(sts: StsGateway): void;
}

/** What a reload rebuilds from the settings: everything that reads them. */
interface Parts {
  config: Config;
  logger: Logger;
  sts: StsHealth;
  ownIdentity?: OwnIdentity;
  identity: CompositeIdentity;
  docker?: DockerSource;
  callers: CallerService;
  handler: http.RequestListener;
  /** The container-credentials protocol (CONTAINER_CREDENTIALS_PORT), over the same callers as IMDS. */
  containerCredentials?: http.RequestListener;
  admin: http.RequestListener;
  readiness(): Readiness;
  /** Stopped as soon as a reload has swapped in new parts: watchers, event streams, prefetch holds. */
  sources: Closeable[];
  /** Stopped once the requests the old parts were serving have had time to finish: pools and SDK clients. */
  clients: Closeable[];
}

// A connection remembers its caller with the identity generation it was found at; every build's sources
// start counting afresh, so each build's generations live in a range of their own.
const GENERATION_EPOCH = 2 ** 32;

/** STS and IAM for these settings: the SDK clients (closed with the parts: their keep-alive sockets would outlive a reload), or offline minting. */
async function awsParts(config: Config, deps: ProxyDeps, kept: Kept, logger: Logger) {
  const { clock, random } = kept;
  const offline = config.stsMode === 'offline';
  const aws = { region: config.awsRegion };
  const awsSts = deps.sts === undefined && !offline ? new (await import('./credentials/sts-gateway.js')).AwsStsGateway(aws) : undefined;
  const awsIam = deps.iam === undefined && !offline ? new (await import('./credentials/iam-gateway.js')).AwsIamGateway(aws) : undefined;
  const sts = new StsHealth(deps.sts ?? awsSts ?? new OfflineStsGateway({ clock, random }));
  const ownIdentity = awsSts === undefined ? undefined : new OwnIdentity({ whoAmI: () => awsSts.whoAmI(), clock, random, logger });
  const resolver = new RoleResolver({
    defaultAccountId: config.defaultAccountId,
    accountMap: config.accountMap,
    region: config.awsRegion,
    iam: deps.iam ?? awsIam,
    clock,
  });
  return { sts, ownIdentity, resolver, clients: [awsSts, awsIam].filter((c) => c !== undefined) };
}

/** The caller pipeline over these sources, and its prefetch following them. */
function callerParts(config: Config, identity: CompositeIdentity, resolver: RoleResolver, kept: Kept, logger: Logger) {
  const { cache, clock } = kept;
  const callers = new CallerService({
    identity,
    resolver,
    credentials: cache,
    assumeRole: assumeRoleSettings(config),
    defaultBinding: defaultBinding(config),
    now: () => new Date(clock.now()),
  });
  const prefetch = new Prefetch({ callers, credentials: cache, logger });
  for (const source of identity.sources) source.onChange((event) => prefetch.onWorkloadEvent(event));
  return { callers, prefetch };
}

/** What answers the routes the proxy does not answer itself: the mock tree, or the real IMDS behind per-caller lines. */
async function metadataBackend(config: Config, kept: Kept, logger: Logger): Promise<MetadataBackend> {
  const { clock, metrics } = kept;
  if (config.mockApi) return createMockImds({ instanceId: config.mockedInstanceId, region: config.awsRegion, accountId: config.defaultAccountId, clock });
  const { createPassthrough } = await import('./upstream/passthrough.js');
  const passthrough = createPassthrough({ metadataUrl: config.metadataUrl, logger, metrics, clock, maxConnections: config.upstreamMaxConnections });
  return withPassthroughLines(passthrough, { maxPerCaller: config.passthroughQueuePerCaller });
}

/** The request listeners of the metadata port and, when set, the container-credentials port. */
function requestListeners(config: Config, kept: Kept, callers: CallerService, backend: MetadataBackend, logger: Logger) {
  const { metrics } = kept;
  const requestLog = createRequestLog(logger, config.verbose);
  const nextRequestId = createRequestIdGenerator();
  const handler = createRequestHandler({
    gate: createRequestGate({ httpTokens: config.httpTokens, tokens: kept.tokens, denyPaths: config.denyPaths, allowPaths: config.allowPaths }),
    callers,
    backend,
    metrics,
    logger,
    requestLog,
    nextRequestId,
    unknownCaller: config.unknownCaller,
  });
  // go-metadataproxy served /metrics on the proxy port; only then does the hot path pay for the check.
  const serveMetrics = metricsHandler(kept.telemetry.registry, logger);
  const main: http.RequestListener = config.enablePrometheus ? (req, res) => (req.url === '/metrics' ? serveMetrics(req, res) : handler(req, res)) : handler;
  const containerCredentials =
    config.containerCredentialsPort === undefined ? undefined : createContainerCredentialsHandler({ callers, metrics, logger, requestLog, nextRequestId });
  return { handler: main, containerCredentials };
}

interface AdminInputs {
  identity: CompositeIdentity;
  docker?: DockerSource;
  sts: StsHealth;
  ownIdentity?: OwnIdentity;
  callers: CallerService;
}

/** /readyz from the identity sources and STS (and the proxy's own AWS identity, when it has one). */
function readinessOf({ identity, docker, sts, ownIdentity }: AdminInputs): () => Readiness {
  return () => {
    const dockerStatus = docker?.status();
    const own = ownIdentity?.check();
    return buildReadiness({
      identityReady: identity.isReady(),
      identityDetail: dockerStatus === undefined ? undefined : dockerStatus.connected ? 'docker connected' : `docker unreachable: ${dockerStatus.lastError ?? 'connecting'}; retrying`,
      sts: own === undefined || !own.ok ? (own ?? sts.check()) : { ok: sts.check().ok, detail: `${own.detail}; AssumeRole ${sts.check().detail}` },
    });
  };
}

/** The admin listener: health, readiness, metrics and /status over these parts. */
function adminListener(inputs: AdminInputs, readiness: () => Readiness, kept: Kept, logger: Logger): http.RequestListener {
  const { identity, callers, ownIdentity } = inputs;
  const { cache, clock } = kept;
  return adminRequestListener({
    registry: kept.telemetry.registry,
    logger,
    readiness,
    status: () =>
      buildStatusReport({
        entries: () => identity.entries(),
        peekRole: (workload) => callers.peekRole(workload),
        bindingOf: (workload) => callers.bindingOf(workload),
        defaultRoleCallers: () => callers.defaultRoleCallers(),
        keyOf: (request) => cache.keyOf(request),
        refusalOf: (workload) => callers.refusalOf(workload),
        cacheEntries: () => cache.entries(),
        now: () => new Date(clock.now()),
        proxy: { ...readiness(), ...(ownIdentity !== undefined && { awsIdentity: ownIdentity.status() }) },
      }),
  });
}

/** Starts the sources (they fail only on their settings: an unreadable or invalid mapping file); on failure, stops everything built. */
async function startSources(identity: CompositeIdentity, everything: Closeable[], logger: Logger): Promise<void> {
  try {
    await identity.start().catch((error: unknown) => asSettingError(() => { throw error; }));
  } catch (error) {
    await closeAll(everything, logger);
    throw error;
  }
}

async function buildParts(config: Config, logger: Logger, kept: Kept, deps: ProxyDeps, epoch: number): Promise<Parts> {
  const aws = await awsParts(config, deps, kept, logger);
  const { sources, docker } = await identitySources(config, deps, logger, kept.metrics, kept.clock);
  const identity = new CompositeIdentity(sources, epoch * GENERATION_EPOCH);
  const { callers, prefetch } = callerParts(config, identity, aws.resolver, kept, logger);
  const backend = await metadataBackend(config, kept, logger);
  const { handler, containerCredentials } = requestListeners(config, kept, callers, backend, logger);
  const inputs: AdminInputs = { identity, docker, sts: aws.sts, ownIdentity: aws.ownIdentity, callers };
  const readiness = readinessOf(inputs);
  const admin = adminListener(inputs, readiness, kept, logger);
  // Everything that holds a timer, a watcher, a socket or a pool; closed in this order.
  const stopping: Closeable[] = [identity, prefetch, ...(aws.ownIdentity === undefined ? [] : [aws.ownIdentity])];
  const clients: Closeable[] = [backend, ...aws.clients];
  kept.useSts(aws.sts);
  await startSources(identity, [...stopping, ...clients], logger);
  aws.ownIdentity?.start();
  return { config, logger, sts: aws.sts, ownIdentity: aws.ownIdentity, identity, docker, callers, handler, containerCredentials, admin, readiness, sources: stopping, clients };
}

function listenerSpecs(parts: Parts, serverLimits: Partial<ServerLimits> | undefined): ListenerSpec[] {
  const admin = parseHostPort(parts.config.adminListen);
  // One metadata listener per HOST address (a dual-stack host may name its IPv4 and IPv6 bridge addresses);
  // with PORT=0 the first picks the port and the others take the same.
  const hosts = splitHostList(parts.config.host);
  const perHost = (setting: string, port: number, handler: http.RequestListener): ListenerSpec[] =>
    hosts.map((host, i) => ({
      name: `${setting} ${host}`,
      setting,
      host,
      port,
      ...(i > 0 && { samePortAs: `${setting} ${hosts[0]}` }),
      handler,
      create: (listener) => {
        const server = http.createServer(serverOptions(serverLimits), listener);
        applyServerLimits(server, serverLimits);
        answerHalfClosedClients(server);
        meterReading(server);
        return server;
      },
    }));
  const metadata = perHost('PORT', parts.config.port, parts.handler);
  const { containerCredentialsPort } = parts.config;
  if (containerCredentialsPort !== undefined && parts.containerCredentials !== undefined) {
    metadata.push(...perHost('CONTAINER_CREDENTIALS_PORT', containerCredentialsPort, parts.containerCredentials));
  }
  const adminSpec: ListenerSpec = { name: 'ADMIN_LISTEN', setting: 'ADMIN_LISTEN', host: admin.host, port: admin.port, handler: parts.admin, create: (listener) => http.createServer(listener) };
  return [...metadata, adminSpec];
}

/** Settings a running proxy cannot change in place; a reload names them and they apply at the next start. */
const RESTART_ONLY: ReadonlyArray<keyof Config> = ['statsdAddr', 'datadogAddr', 'statsiteAddr', 'copyDockerLabels', 'copyDockerEnv', 'newrelicAppName', 'newrelicLicense'];

/** Built once and kept across reloads: clock, metrics, the credential cache, the token key and the listeners. */
function keptAcrossReloads(config: Config, deps: ProxyDeps): Kept {
  const clock = deps.clock ?? systemClock;
  const random = deps.random ?? Math.random;
  const logger = deps.logger ?? silentLogger;
  const telemetry = deps.telemetry ?? createMetrics(config, logger);
  const metrics = deps.metrics ?? telemetry.metrics;
  // STS is whatever the newest parts use, so the cache (and its entries) outlives a reload.
  let sts: StsGateway | undefined;
  const cache = new CredentialCache({
    sts: { assumeRole: (request) => sts!.assumeRole(request) },
    clock,
    random,
    refreshBeforeExpiryMs: config.refreshBeforeExpiryMs,
    metrics,
    logger,
  });
  const tokens = createTokenService({ key: tokenKey(config), clock });
  return { clock, random, telemetry, metrics, cache, tokens, listeners: new ListenerSet(), useSts: (gateway) => (sts = gateway) };
}

/** A running proxy: what is kept, the parts in service, and what a reload counts and retires. */
interface ProxyState {
  readonly kept: Kept;
  readonly deps: ProxyDeps;
  current: Parts;
  epoch: number;
  /** Parts replaced by a reload, closed once the requests they were serving have had time to finish. */
  readonly retiring: Set<Closeable[]>;
}

function registerGauges(state: ProxyState): void {
  const { telemetry, cache, clock } = state.kept;
  registerStateGauges(telemetry.registry, {
    readiness: () => state.current.readiness(),
    earliestExpirySeconds: () => {
      const now = clock.now();
      const wanted = cache.entries().filter((entry) => entry.expiration !== undefined && (entry.holders > 0 || entry.state === 'fresh' || entry.state === 'backing-off'));
      return wanted.length === 0 ? undefined : Math.min(...wanted.map((entry) => (Date.parse(entry.expiration!) - now) / 1000));
    },
  });
}

export async function startProxy(config: Config, deps: ProxyDeps = {}): Promise<RunningProxy> {
  const kept = keptAcrossReloads(config, deps);
  const logger = deps.logger ?? silentLogger;
  let parts: Parts;
  try {
    parts = await buildParts(config, logger, kept, deps, 0);
  } catch (error) {
    await closeAll([kept.cache, kept.telemetry], logger);
    throw error;
  }
  const state: ProxyState = { kept, deps, current: parts, epoch: 0, retiring: new Set() };
  registerGauges(state);
  try {
    await kept.listeners.apply(listenerSpecs(parts, deps.serverLimits));
  } catch (error) {
    // A failed start (a port in use) must not leave watchers and pools behind.
    await closeAll([...parts.sources, ...parts.clients, kept.cache, kept.telemetry], logger);
    throw error;
  }
  return runningProxy(state);
}

function runningProxy(state: ProxyState): RunningProxy {
  const { listeners, cache } = state.kept;
  const firstHost = () => splitHostList(state.current.config.host)[0]!;
  return {
    get urls() {
      const port = (listeners.server(`PORT ${firstHost()}`)!.address() as AddressInfo).port;
      return splitHostList(state.current.config.host).map((host) => `http://${urlHost(host)}:${port}`);
    },
    get url() {
      return this.urls[0]!;
    },
    get port() {
      return Number(new URL(this.urls[0]!).port);
    },
    get containerCredentialsUrl() {
      const server = listeners.server(`CONTAINER_CREDENTIALS_PORT ${firstHost()}`);
      return server === undefined ? undefined : `http://${urlHost(firstHost())}:${(server.address() as AddressInfo).port}`;
    },
    get adminAddress() {
      return boundAddress(listeners.server('ADMIN_LISTEN')!);
    },
    get sourceNames() {
      return state.current.identity.sources.map((s) => s.name);
    },
    get identity() {
      return state.current.identity;
    },
    get docker() {
      return state.current.docker;
    },
    cache,
    async reload() {
      await Promise.all(state.current.identity.sources.map((s) => (s as { reload?: () => Promise<void> }).reload?.()));
    },
    applySettings: (next, logger = state.current.logger) => applySettings(state, next, logger),
    close: (drainTimeoutMs = 10_000) => closeProxy(state, drainTimeoutMs),
  };
}

async function applySettings(state: ProxyState, next: Config, logger: Logger): Promise<SettingsChange> {
  const { kept, deps } = state;
  const previous = state.current;
  const changed = changedSettings(previous.config, next);
  // A changed key file means new tokens; otherwise the key (random or read) stays and so do tokens.
  const tokens = next.tokenKeyFile === previous.config.tokenKeyFile ? kept.tokens : createTokenService({ key: tokenKey(next), clock: kept.clock });
  let built: Parts;
  let left: http.Server[];
  try {
    built = await buildParts(next, logger, { ...kept, tokens }, deps, ++state.epoch);
  } catch (error) {
    kept.useSts(previous.sts);
    throw error;
  }
  try {
    left = await kept.listeners.apply(listenerSpecs(built, deps.serverLimits));
  } catch (error) {
    kept.useSts(previous.sts);
    await closeAll([...built.sources, ...built.clients], logger);
    throw error;
  }
  state.current = built;
  kept.tokens = tokens;
  kept.cache.reconfigure({ refreshBeforeExpiryMs: next.refreshBeforeExpiryMs, logger });
  for (const server of left) void drainServer(server, DRAIN_AFTER_RELOAD_MS);
  await closeAll(previous.sources, logger);
  state.retiring.add(previous.clients);
  setTimeout(() => state.retiring.delete(previous.clients) && void closeAll(previous.clients, logger), DRAIN_AFTER_RELOAD_MS).unref();
  return { changed, restartOnly: changed.filter((field) => RESTART_ONLY.includes(field)) };
}

async function closeProxy(state: ProxyState, drainTimeoutMs: number): Promise<void> {
  const { kept, current } = state;
  const pending = [...state.retiring].flat();
  state.retiring.clear();
  await gracefulShutdown(kept.listeners.servers(), [...current.sources, ...current.clients, ...pending, kept.cache, kept.telemetry], current.logger, drainTimeoutMs);
}

const DRAIN_AFTER_RELOAD_MS = 10_000;

function tokenKey(config: Config): Buffer | undefined {
  return config.tokenKeyFile === undefined ? undefined : asSettingError(() => loadTokenKey(config.tokenKeyFile!));
}

/** Field names whose values differ, in the settings table's order. */
function changedSettings(before: Config, after: Config): Array<keyof Config> {
  const fields = new Set([...Object.keys(before), ...Object.keys(after)] as Array<keyof Config>);
  return [...fields].filter((field) => settingsText(before[field]) !== settingsText(after[field]));
}
