// The one place that wires real dependencies: config in, a running proxy out. Tests call startProxy with
// their own clock, STS endpoint and sources; the CLI calls it with the defaults.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config/types.js';
import { SettingError } from './config/exit.js';
import { systemClock, type Clock, type StsGateway } from './credentials/types.js';
import { OfflineStsGateway } from './credentials/offline-sts.js';
import { CredentialCache } from './credentials/cache.js';
import { CallerService } from './credentials/service.js';
import type { IamGateway } from './roles/iam-gateway.js';
import { RoleResolver, resolveRoleAlias } from './roles/resolver.js';
import { buildAssumeRoleRequest } from './roles/assume-request.js';
import { parseRoleSessionKey } from './roles/session-name.js';
import { parseSourceIdentityKey } from './roles/source-identity.js';
import { CompositeIdentity } from './identity/composite.js';
import { MappingFileSource } from './identity/mapping-file.js';
import { StaticIdentitySource } from './identity/static-source.js';
import { DockerSource, type DockerClient } from './identity/docker/docker-source.js';
import { ReverseDnsSource, type ReverseResolver } from './identity/reverse-dns.js';
import type { IdentitySource, RoleBinding } from './identity/workload.js';
import { createMockImds } from './upstream/mock-imds.js';
import { createRequestGate } from './server/gate.js';
import { createTokenService } from './tokens/token-service.js';
import { loadTokenKey } from './tokens/token-key.js';
import { createRequestHandler } from './server/handler.js';
import { createContainerCredentialsHandler } from './server/container-credentials.js';
import { applyServerLimits, serverOptions, type ServerLimits } from './server/limits.js';
import { listen } from './server/node-http.js';
import { splitHostList } from './config/parsers.js';
import { urlHost } from './observability/address.js';
import { silentLogger, type Logger } from './observability/logger.js';
import type { Metrics } from './observability/metrics.js';
import { createMetrics, type MetricsSetup } from './observability/setup.js';
import { createRequestLog } from './observability/request-log.js';
import { createRequestIdGenerator } from './observability/request-id.js';
import { createAdminServer, metricsHandler } from './admin/admin-server.js';
import { buildReadiness, buildStatusReport } from './admin/build-status.js';
import { closeAll, gracefulShutdown } from './admin/shutdown.js';
import { StsHealth } from './credentials/sts-health.js';
import { demoCallers } from './demo.js';

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
  url: string;
  /** One per HOST address. */
  urls: string[];
  port: number;
  /** `http://host:port` of the container-credentials listener, when CONTAINER_CREDENTIALS_PORT is set. */
  containerCredentialsUrl?: string;
  /** `host:port` of the admin listener. */
  adminAddress: string;
  /** Names of the identity sources in the order they are asked. */
  sourceNames: string[];
  identity: CompositeIdentity;
  docker?: DockerSource;
  cache: CredentialCache;
  /** SIGHUP: re-read the mapping file. */
  reload(): Promise<void>;
  /** Stops accepting, lets in-flight requests finish (up to the deadline), then releases everything. */
  close(drainTimeoutMs?: number): Promise<void>;
}

function defaultBinding(config: Config): RoleBinding | undefined {
  if (config.defaultRole !== undefined) return { spec: config.defaultRole };
  if (config.defaultAlias !== undefined) {
    const role = resolveRoleAlias(config.defaultAlias, config.aliasToArn);
    if (role !== undefined) return { spec: role.arn };
  }
  return undefined;
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
      docker: deps.docker ?? (await loadDockerClient(config.dockerUrl)),
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

async function loadDockerClient(dockerUrl: Config['dockerUrl']): Promise<DockerClient> {
  const { createDockerClient } = await import('./identity/docker/docker-url.js');
  return asSettingError(() => createDockerClient(dockerUrl));
}

function asSettingError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw new SettingError((error as Error).message);
  }
}

/** PORT=0 on several addresses: the first one picks the port, the others take the same. */
async function listenAll(servers: readonly http.Server[], port: number, hosts: readonly string[]): Promise<void> {
  await listen(servers[0]!, port, hosts[0]!);
  const { port: chosen } = servers[0]!.address() as AddressInfo;
  for (const [i, server] of servers.entries()) if (i > 0) await listen(server, chosen, hosts[i]!);
}

export async function startProxy(config: Config, deps: ProxyDeps = {}): Promise<RunningProxy> {
  const clock = deps.clock ?? systemClock;
  const random = deps.random ?? Math.random;
  const logger = deps.logger ?? silentLogger;
  const telemetry = deps.telemetry ?? createMetrics(config, logger);
  const metrics = deps.metrics ?? telemetry.metrics;
  const aws = { region: config.awsRegion };
  const offline = config.stsMode === 'offline';

  // The SDK clients made here are closed with the proxy (their keep-alive sockets would outlive a SIGHUP restart).
  const awsSts = deps.sts === undefined && !offline ? new (await import('./credentials/sts-gateway.js')).AwsStsGateway(aws) : undefined;
  const awsIam = deps.iam === undefined && !offline ? new (await import('./roles/iam-gateway.js')).AwsIamGateway(aws) : undefined;
  const sts = new StsHealth(deps.sts ?? awsSts ?? new OfflineStsGateway({ clock, random }));
  const iam = deps.iam ?? awsIam;
  const resolver = new RoleResolver({
    defaultAccountId: config.defaultAccountId,
    accountMap: config.accountMap,
    region: config.awsRegion,
    iam,
    clock,
  });
  const cache = new CredentialCache({
    sts,
    clock,
    random,
    refreshBeforeExpiryMs: config.refreshBeforeExpiryMs,
    metrics,
    logger,
  });

  const { sources, docker } = await identitySources(config, deps, logger, metrics, clock);
  const identity = new CompositeIdentity(sources);
  const roleSessionKey = config.roleSessionKey === undefined ? undefined : parseRoleSessionKey(config.roleSessionKey);
  const sourceIdentityKey = config.sourceIdentityKey === undefined ? undefined : parseSourceIdentityKey(config.sourceIdentityKey);
  const callers = new CallerService({
    identity,
    resolver,
    credentials: cache,
    buildRequest: (workload, binding, role) =>
      buildAssumeRoleRequest(workload, binding, role, {
        defaultPolicy: config.defaultPolicy,
        roleDurationSeconds: config.roleDurationSeconds,
        roleSessionKey,
        defaultSessionTags: config.defaultSessionTags,
        sourceIdentityKey,
        roleChaining: config.roleChaining,
      }),
    defaultBinding: defaultBinding(config),
    now: () => new Date(clock.now()),
    logger,
  });
  for (const source of identity.sources) source.onChange((event) => callers.onWorkloadEvent(event));

  const backend = config.mockApi
    ? createMockImds({ instanceId: config.mockedInstanceId, region: config.awsRegion, accountId: config.defaultAccountId, clock })
    : (await import('./upstream/passthrough.js')).createPassthrough({ metadataUrl: config.metadataUrl, logger, metrics, clock });

  const requestLog = createRequestLog(logger, config.verbose);
  const nextRequestId = createRequestIdGenerator();
  const handler = createRequestHandler({
    gate: createRequestGate({
      httpTokens: config.httpTokens,
      tokens: createTokenService({
        key: config.tokenKeyFile === undefined ? undefined : asSettingError(() => loadTokenKey(config.tokenKeyFile!)),
        clock,
      }),
      denyPaths: config.denyPaths,
      allowPaths: config.allowPaths,
    }),
    callers,
    backend,
    metrics,
    logger,
    requestLog,
    nextRequestId,
    unknownCaller: config.unknownCaller,
  });

  // go-metadataproxy served /metrics on the proxy port; only then does the hot path pay for the check.
  const serveMetrics = metricsHandler(telemetry.registry, logger);
  const listener: http.RequestListener = config.enablePrometheus
    ? (req, res) => (req.url === '/metrics' ? serveMetrics(req, res) : handler(req, res))
    : handler;
  // One server per HOST address (a dual-stack host may name its IPv4 and IPv6 bridge addresses).
  const hosts = splitHostList(config.host);
  const serversFor = (requestListener: http.RequestListener): http.Server[] =>
    hosts.map(() => {
      const server = http.createServer(serverOptions(deps.serverLimits), requestListener);
      applyServerLimits(server, deps.serverLimits);
      return server;
    });
  const servers = serversFor(listener);
  // The container-credentials protocol shares the callers (identity, roles, credential cache) with IMDS.
  const containerServers =
    config.containerCredentialsPort === undefined
      ? []
      : serversFor(createContainerCredentialsHandler({ callers, metrics, logger, requestLog, nextRequestId }));
  const listeners = [...servers, ...containerServers];

  const admin = createAdminServer({
    listen: config.adminListen,
    registry: telemetry.registry,
    logger,
    readiness: () => {
      const dockerStatus = docker?.status();
      return buildReadiness({
        identityReady: identity.isReady(),
        identityDetail: dockerStatus === undefined ? undefined : dockerStatus.connected ? 'docker connected' : `docker unreachable: ${dockerStatus.lastError ?? 'connecting'}`,
        sts: sts.check(),
      });
    },
    status: () =>
      buildStatusReport({
        entries: () => identity.entries(),
        peekRole: (workload) => callers.peekRole(workload),
        keyOf: (request) => cache.keyOf(request),
        refusalOf: (workload) => callers.refusalOf(workload),
        cacheEntries: () => cache.entries(),
        now: () => new Date(clock.now()),
      }),
  });
  // Everything that holds a timer, a watcher, a socket or a pool; closed in this order.
  const closeables = [identity, cache, backend, telemetry, ...[awsSts, awsIam].filter((client) => client !== undefined)];
  let adminAddress: string;
  try {
    // Sources fail to start only on their settings (an unreadable or invalid mapping file).
    await identity.start().catch((error: unknown) => asSettingError(() => { throw error; }));
    await listenAll(servers, config.port, hosts);
    if (config.containerCredentialsPort !== undefined) await listenAll(containerServers, config.containerCredentialsPort, hosts);
    adminAddress = await admin.start();
  } catch (error) {
    // A failed start (a port in use, say, on a SIGHUP restart) must not leave watchers and pools behind.
    for (const server of listeners) server.close();
    await closeAll(closeables, logger);
    throw error;
  }
  const { port } = servers[0]!.address() as AddressInfo;
  const urls = hosts.map((host) => `http://${urlHost(host)}:${port}`);
  const containerPort = (containerServers[0]?.address() as AddressInfo | undefined)?.port;

  return {
    url: urls[0]!,
    urls,
    port,
    ...(containerPort !== undefined && { containerCredentialsUrl: `http://${urlHost(hosts[0]!)}:${containerPort}` }),
    adminAddress,
    sourceNames: identity.sources.map((s) => s.name),
    identity,
    docker,
    cache,
    async reload() {
      await Promise.all(identity.sources.map((s) => (s as { reload?: () => Promise<void> }).reload?.()));
    },
    close: (drainTimeoutMs = 10_000) => gracefulShutdown([...listeners, admin.server], closeables, logger, drainTimeoutMs),
  };
}
