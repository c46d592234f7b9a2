// The resolved configuration: every setting once, after flags, environment, config file and defaults
// have been merged (see config/settings.ts for names, defaults and parsers).
export type LogLevel = 'debug' | 'info' | 'warning' | 'error';
export type LogFormat = 'text' | 'json' | 'gelf';

export interface Config {
  /** Listen address and port of the metadata server. */
  host: string;
  port: number;
  /** Port of the container-credentials listener (on `host`); undefined → off. */
  containerCredentialsPort?: number;
  debug: boolean;
  /** Upstream (real) instance metadata service; used for every route we do not answer. */
  metadataUrl: string;
  /** Serve a mock metadata tree instead of passing through to `metadataUrl`. */
  mockApi: boolean;
  mockedInstanceId: string;
  /** Most connections open to the upstream IMDS at once; passthrough requests beyond them wait. */
  upstreamMaxConnections: number;
  /** Passthrough requests one caller may have waiting or in flight; beyond it, 429. */
  passthroughQueuePerCaller: number;
  /** Role spec for callers with no role of their own; undefined → such callers get 404. */
  defaultRole?: string;
  defaultAccountId?: string;
  /** AWS_ACCOUNT_MAP: account alias → 12-digit account id. */
  accountMap: Record<string, string>;
  /** ec2metaproxy `aliasToARN`: role alias → role ARN. */
  aliasToArn: Record<string, string>;
  /** ec2metaproxy `defaultAlias`: alias used when a caller carries no role. */
  defaultAlias?: string;
  /** Inline session policy (JSON text) applied to every AssumeRole that has no policy of its own. */
  defaultPolicy?: string;
  awsRegion?: string;
  /** Refresh credentials once fewer than this many ms remain before they expire. */
  refreshBeforeExpiryMs: number;
  /** AssumeRole DurationSeconds. */
  roleDurationSeconds: number;
  roleMappingFile?: string;
  roleReverseLookup: boolean;
  hostnameMatchRegex?: RegExp;
  /** `Env:NAME`, `Labels:NAME` or a bare name: where the STS session name comes from. */
  roleSessionKey?: string;
  /** `Env:NAME`, `Labels:NAME`, `Name`, `Image` or a bare name: where the STS SourceIdentity comes from. */
  sourceIdentityKey?: string;
  /** DEFAULT_SESSION_TAGS: tag key → value with {name}, {image}, {service} placeholders. */
  defaultSessionTags: Record<string, string>;
  /** The proxy's own credentials are a role session, so STS caps DurationSeconds at 3600. */
  roleChaining: boolean;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** Request log (one line per request). */
  verbose: boolean;
  /** `aws` → real STS through the SDK; `offline` → credentials minted locally. */
  stsMode: 'aws' | 'offline';
  /** Embedded demo: mock metadata, offline STS, sample mapping on 127.0.0.x. */
  demo: boolean;
  /** Path of the JSON config file given with -c, if any. */
  configFile?: string;

  // Docker identity
  dockerEnabled: boolean;
  dockerUrl: string;
  /** Which engine serves dockerUrl; auto asks it (GET /version). */
  containerEngine: 'auto' | 'docker' | 'podman';
  /** How long a lookup miss for an address in a Docker network waits for the index to catch up. */
  dockerMissWaitMs: number;

  // IMDSv2 and hardening
  httpTokens: 'optional' | 'required';
  tokenKeyFile?: string;
  unknownCaller: 'passthrough' | 'deny';
  denyPaths: string[];
  allowPaths: string[];

  // Operations
  adminListen: string;
  enablePrometheus: boolean;
  statsdAddr?: string;
  datadogAddr?: string;
  statsiteAddr?: string;
  copyDockerLabels: string[];
  copyDockerEnv: string[];
  newrelicAppName?: string;
  newrelicLicense?: string;
}
