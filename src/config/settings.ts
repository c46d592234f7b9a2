// Every setting once: where it can come from (flag, environment, config file), its default and parser.
// `loadConfig` merges these (flag > env > file > default); --help and the table in docs/configuration.md are rendered
// from this list. Several rows may feed one Config field when the systems we replace spell it
// differently (ROLE_EXPIRATION_THRESHOLD in minutes vs ROLE_CACHE_OFFSET as a Go duration).
import type { Config } from './types.js';
import * as p from './parsers.js';
import { pathPatternProblem } from './path-patterns.js';
import { isAccountId, isRoleArn } from './role-spec.js';

export interface Setting {
  field: keyof Config;
  /** Environment names; when several are set, the first listed wins. */
  env: readonly string[];
  /** Long flag without `--`. Switch rows (`switch: true`) also accept `--no-NAME` and `--NAME=false`. */
  flag?: string;
  short?: string;
  /** Placeholder for the flag's value in --help; omitted for switches. */
  valueName?: string;
  switch?: boolean;
  fileKeys: readonly string[];
  parser: p.Parser<unknown>;
  /** Present on the one row per field that owns the default. */
  default?: unknown;
  /** How the default reads in docs, when `String(default)` would not do. */
  defaultText?: string;
  secret?: boolean;
  description: string;
}

const MINUTE = 60_000;

/** Typed constructor: the parser and default must fit the field they set. */
function row<K extends keyof Config>(
  field: K,
  spec: Omit<Setting, 'field' | 'parser' | 'default'> & { parser: p.Parser<NonNullable<Config[K]>>; default?: Config[K] },
): Setting {
  return { field, ...spec };
}

const flagSwitch = { switch: true, parser: p.boolean } as const;
const pathList = p.list('comma-separated path patterns such as /*/user-data or /latest/meta-data/tags/**', pathPatternProblem);

export const settings: readonly Setting[] = [
  // Listener
  row('host', { env: ['HOST'], flag: 'host', valueName: 'ADDR', fileKeys: ['host'], parser: p.hostList, default: '0.0.0.0',
    description: 'Address(es) the metadata server listens on, comma-separated; :: is both IPv6 and IPv4 (0.0.0.0 as in lyft/metadataproxy and go-metadataproxy).' }),
  row('port', { env: ['PORT'], flag: 'port', short: 'p', valueName: 'PORT', fileKeys: ['port'],
    parser: p.integer(0, 65535), default: 8000, description: 'Port of the metadata server (0: any free port).' }),
  row('containerCredentialsPort', { env: ['CONTAINER_CREDENTIALS_PORT'], flag: 'container-credentials-port', valueName: 'PORT',
    fileKeys: ['containerCredentialsPort'], parser: p.integer(0, 65535), defaultText: 'off',
    description: 'Also serve the ECS/EKS container-credentials protocol (GET /v1/credentials) on this port of HOST.' }),
  row('adminListen', { env: ['ADMIN_LISTEN'], flag: 'admin-listen', valueName: 'HOST:PORT', fileKeys: ['adminListen'],
    parser: p.hostPort(0), default: '127.0.0.1:8001',
    description: 'Admin listener for /healthz, /readyz, /status and /metrics; keep it off container networks.' }),
  row('debug', { env: ['DEBUG'], flag: 'debug', ...flagSwitch, fileKeys: ['debug'], default: false,
    description: 'Debug logging (LOG_LEVEL=debug unless LOG_LEVEL is set). Secrets are never logged.' }),
  row('verbose', { env: ['VERBOSE'], flag: 'verbose', short: 'v', ...flagSwitch, fileKeys: ['verbose'], default: false,
    description: 'Request log: one line per request (caller, container, role, path, status, latency).' }),
  row('logLevel', { env: ['LOG_LEVEL'], flag: 'log-level', valueName: 'LEVEL', fileKeys: ['logLevel'],
    parser: p.oneOf(['debug', 'info', 'warning', 'error'], { warn: 'warning', trace: 'debug', fatal: 'error', panic: 'error' }),
    default: 'info', description: 'Log level; warn, trace, fatal and panic are accepted as go-metadataproxy spells them.' }),
  row('logFormat', { env: ['LOG_FORMAT'], flag: 'log-format', valueName: 'FORMAT', fileKeys: ['logFormat'],
    parser: p.oneOf(['text', 'json', 'gelf']), default: 'text', description: 'Log line format.' }),

  // Upstream metadata and modes
  row('metadataUrl', { env: ['METADATA_URL'], flag: 'metadata-url', valueName: 'URL', fileKeys: ['metadataUrl'],
    parser: p.httpUrl, default: 'http://169.254.169.254', description: 'Real instance metadata service, for every route we do not answer.' }),
  row('mockApi', { env: ['MOCK_API'], flag: 'mock-api', ...flagSwitch, fileKeys: ['mockApi'], default: false,
    description: 'Serve a mock metadata tree instead of passing through to METADATA_URL.' }),
  row('mockedInstanceId', { env: ['MOCKED_INSTANCE_ID'], flag: 'mocked-instance-id', valueName: 'ID', fileKeys: ['mockedInstanceId'],
    parser: p.text(), default: 'mockedid', description: 'instance-id answered by the mock metadata tree.' }),
  row('upstreamMaxConnections', { env: ['UPSTREAM_MAX_CONNECTIONS'], flag: 'upstream-max-connections', valueName: 'N',
    fileKeys: ['upstreamMaxConnections'], parser: p.integer(1, 1024), default: 64,
    description: 'Most connections open to METADATA_URL at once; passthrough requests beyond them wait their turn.' }),
  row('passthroughQueuePerCaller', { env: ['PASSTHROUGH_QUEUE_PER_CALLER'], flag: 'passthrough-queue-per-caller', valueName: 'N',
    fileKeys: ['passthroughQueuePerCaller'], parser: p.integer(1, 100_000), default: 64,
    description: 'Passthrough requests one caller may have waiting or in flight (one per connection runs at a time); beyond it 429.' }),
  row('stsMode', { env: ['STS_MODE'], flag: 'sts', valueName: 'MODE', fileKeys: ['sts'], parser: p.oneOf(['aws', 'offline']),
    default: 'aws', description: 'aws: real STS; offline: credentials minted locally (laptops, CI; never valid at AWS).' }),
  row('stsMode', { env: ['MOCK_STS'], fileKeys: [], parser: mapped(p.boolean, (on) => (on ? 'offline' : 'aws')),
    description: 'true is the same as STS_MODE=offline.' }),
  row('demo', { env: [], flag: 'demo', ...flagSwitch, fileKeys: [], default: false,
    description: 'Embedded demo (npm start): mock metadata, offline STS, sample callers on 127.0.0.x.' }),

  // Roles and credentials
  row('defaultRole', { env: ['DEFAULT_ROLE'], flag: 'default-role', valueName: 'ROLE', fileKeys: ['defaultRole'], parser: p.text(),
    description: 'Role spec for callers without a role of their own; unset: they get 404.' }),
  row('defaultAccountId', { env: ['DEFAULT_ACCOUNT_ID'], flag: 'default-account-id', valueName: 'ID', fileKeys: ['defaultAccountId'],
    parser: p.accountId, description: 'Account of role names without one; unset: looked up with iam:GetRole.' }),
  row('accountMap', { env: ['AWS_ACCOUNT_MAP'], flag: 'aws-account-map', valueName: 'JSON', fileKeys: ['awsAccountMap'],
    parser: p.jsonMap('a JSON object of alias → 12-digit account id', (v) => typeof v === 'string' && isAccountId(v)),
    default: {}, defaultText: '{}', description: 'Account aliases for role specs such as role@alias.' }),
  row('aliasToArn', { env: [], fileKeys: ['aliasToArn', 'aliasToARN'],
    parser: p.jsonMap('a JSON object of alias → role ARN', (v) => typeof v === 'string' && isRoleArn(v)),
    default: {}, defaultText: '{}', description: 'ec2metaproxy role aliases (label ec2metaproxy.RoleAlias).' }),
  row('defaultAlias', { env: [], flag: 'default-alias', valueName: 'ALIAS', fileKeys: ['defaultAlias'], parser: p.text(),
    description: 'ec2metaproxy: the aliasToARN entry used for callers without a role.' }),
  row('defaultPolicy', { env: ['DEFAULT_POLICY'], flag: 'default-policy', valueName: 'JSON', fileKeys: ['defaultPolicy'],
    parser: p.policyDocument, description: 'Inline session policy for every AssumeRole without a policy of its own.' }),
  row('awsRegion', { env: ['AWS_REGION', 'AWS_DEFAULT_REGION'], flag: 'aws-region', valueName: 'REGION', fileKeys: ['awsRegion'],
    parser: p.region, description: 'Region of the STS endpoint; unset: the SDK default chain decides.' }),
  row('refreshBeforeExpiryMs', { env: ['ROLE_EXPIRATION_THRESHOLD'], flag: 'role-expiration-threshold', valueName: 'MINUTES',
    fileKeys: ['roleExpirationThreshold'], parser: p.minutesAsMs, default: 30 * MINUTE, defaultText: '30',
    description: 'Refresh credentials this many minutes before they expire (lyft/metadataproxy).' }),
  row('refreshBeforeExpiryMs', { env: ['ROLE_CACHE_OFFSET'], flag: 'role-cache-offset', valueName: 'DURATION',
    fileKeys: ['roleCacheOffset'], parser: p.goDuration(12 * 60 * MINUTE), defaultText: '30m',
    description: 'The same as a Go duration such as 15m (go-metadataproxy).' }),
  row('roleDurationSeconds', { env: ['ROLE_SESSION_DURATION'], flag: 'role-session-duration', valueName: 'SECONDS',
    fileKeys: ['roleSessionDuration'], parser: p.integer(900, 43200), default: 3600,
    description: 'AssumeRole DurationSeconds; the role\'s own maximum must allow it.' }),
  row('roleSessionKey', { env: ['ROLE_SESSION_KEY'], flag: 'role-session-key', valueName: 'KEY', fileKeys: ['roleSessionKey'],
    parser: p.roleSessionKey, description: 'Where the STS session name comes from: Env:NAME or Labels:NAME of the container.' }),
  row('sourceIdentityKey', { env: ['SOURCE_IDENTITY_KEY'], flag: 'source-identity-key', valueName: 'KEY', fileKeys: ['sourceIdentityKey'],
    parser: p.sourceIdentityKey, description: 'Where the STS SourceIdentity comes from: Env:NAME, Labels:NAME, Name or Image of the container.' }),
  row('defaultSessionTags', { env: ['DEFAULT_SESSION_TAGS'], flag: 'default-session-tags', valueName: 'LIST', fileKeys: ['defaultSessionTags'],
    parser: p.sessionTagTemplate, default: {}, defaultText: 'none',
    description: 'Session tags for every AssumeRole, e.g. container={name},image={image},service={service}; a workload\'s own tags win.' }),
  row('roleChaining', { env: ['ROLE_CHAINING'], flag: 'role-chaining', ...flagSwitch, fileKeys: ['roleChaining'], default: false,
    description: 'The proxy\'s own credentials are a role session (EC2 instance profile, ECS task role): session durations over 3600 s are refused before STS would.' }),

  // Identity sources
  row('roleMappingFile', { env: ['ROLE_MAPPING_FILE'], flag: 'role-mapping-file', valueName: 'FILE', fileKeys: ['roleMappingFile'],
    parser: p.text('a file path'), description: 'JSON file mapping caller IP → role spec; reloaded when it changes.' }),
  row('roleReverseLookup', { env: ['ROLE_REVERSE_LOOKUP'], flag: 'role-reverse-lookup', ...flagSwitch, fileKeys: ['roleReverseLookup'],
    default: false, description: 'Match the caller\'s reverse-DNS name to container host names.' }),
  row('hostnameMatchRegex', { env: ['HOSTNAME_MATCH_REGEX'], flag: 'hostname-match-regex', valueName: 'REGEX',
    fileKeys: ['hostnameMatchRegex'], parser: p.regex, defaultText: 'any name',
    description: 'With ROLE_REVERSE_LOOKUP: only host names matching this are considered.' }),
  row('dockerEnabled', { env: ['DOCKER'], flag: 'docker', ...flagSwitch, fileKeys: ['docker'], default: true,
    description: 'Docker identity (--no-docker or DOCKER=false turns it off).' }),
  row('dockerUrl', { env: ['DOCKER_URL', 'DOCKER_HOST'], flag: 'docker-url', valueName: 'URL', fileKeys: ['dockerUrl', 'dockerHost'],
    parser: p.dockerUrl, default: 'unix:///var/run/docker.sock', description: 'Docker engine endpoint.' }),
  row('containerEngine', { env: ['CONTAINER_ENGINE'], flag: 'container-engine', valueName: 'ENGINE', fileKeys: ['containerEngine'],
    parser: p.oneOf(['auto', 'docker', 'podman']), default: 'auto',
    description: 'Engine at DOCKER_URL: docker, podman (rootful `podman system service`), or auto (asked at start-up).' }),
  row('dockerMissWaitMs', { env: ['DOCKER_MISS_WAIT'], flag: 'docker-miss-wait', valueName: 'DURATION', fileKeys: ['dockerMissWait'],
    parser: p.goDuration(10_000), default: 1000, defaultText: '1s',
    description: 'How long a lookup miss waits for the Docker index to catch up with a just-started container.' }),

  // IMDSv2 and hardening
  row('httpTokens', { env: ['HTTP_TOKENS'], flag: 'http-tokens', valueName: 'MODE', fileKeys: ['httpTokens'],
    parser: p.oneOf(['optional', 'required']), default: 'optional', description: 'required: metadata GETs without a valid IMDSv2 token get 401.' }),
  row('httpTokens', { env: [], flag: 'require-token', ...flagSwitch, fileKeys: [],
    parser: mapped(p.boolean, (on) => (on ? 'required' : 'optional')), description: 'The same as HTTP_TOKENS=required.' }),
  row('tokenKeyFile', { env: ['TOKEN_KEY_FILE'], flag: 'token-key-file', valueName: 'FILE', fileKeys: ['tokenKeyFile'],
    parser: p.text('a file path'), defaultText: 'random per process',
    description: 'Key for IMDSv2 tokens, so several processes accept each other\'s tokens.' }),
  row('unknownCaller', { env: ['UNKNOWN_CALLER'], flag: 'unknown-caller', valueName: 'MODE', fileKeys: ['unknownCaller'],
    parser: p.oneOf(['passthrough', 'deny']), default: 'passthrough',
    description: 'Non-IAM routes for callers no identity source knows: passthrough, or deny (404). On IAM routes they get 404, or DEFAULT_ROLE when set.' }),
  row('denyPaths', { env: ['DENY_PATHS'], flag: 'deny-paths', valueName: 'LIST', fileKeys: ['denyPaths'], parser: pathList,
    default: [], defaultText: 'none', description: 'Metadata path patterns answered 404 (`*` within a segment, `**` across), e.g. `/*/user-data`.' }),
  row('allowPaths', { env: ['ALLOW_PATHS'], flag: 'allow-paths', valueName: 'LIST', fileKeys: ['allowPaths'], parser: pathList,
    default: [], defaultText: 'all', description: 'If set, only matching metadata paths are served (IAM routes and the token endpoint always are).' }),

  // Metrics and telemetry
  row('enablePrometheus', { env: ['ENABLE_PROMETHEUS'], flag: 'enable-prometheus', ...flagSwitch, fileKeys: ['enablePrometheus'],
    default: false, description: 'Also serve /metrics on the main port (go-metadataproxy); always on ADMIN_LISTEN.' }),
  row('statsdAddr', { env: ['STATSD_ADDR'], flag: 'statsd-addr', valueName: 'HOST:PORT', fileKeys: ['statsdAddr'],
    parser: p.hostPort(1), description: 'statsd server for metrics.' }),
  row('datadogAddr', { env: ['DATADOG_ADDR'], flag: 'datadog-addr', valueName: 'HOST:PORT', fileKeys: ['datadogAddr'],
    parser: p.hostPort(1), description: 'DataDog statsd agent for metrics (with tags).' }),
  row('statsiteAddr', { env: ['STATSITE_ADDR'], flag: 'statsite-addr', valueName: 'HOST:PORT', fileKeys: ['statsiteAddr'],
    parser: p.hostPort(1), description: 'statsite server for metrics.' }),
  row('copyDockerLabels', { env: ['COPY_DOCKER_LABELS'], flag: 'copy-docker-labels', valueName: 'LIST', fileKeys: ['copyDockerLabels'],
    parser: p.list(), default: [], defaultText: 'none', description: 'Container labels copied into metric labels/tags.' }),
  row('copyDockerEnv', { env: ['COPY_DOCKER_ENV'], flag: 'copy-docker-env', valueName: 'LIST', fileKeys: ['copyDockerEnv'],
    parser: p.list(), default: [], defaultText: 'none', description: 'Container env variables copied into metric labels/tags.' }),
  row('newrelicAppName', { env: ['NEWRELIC_APP_NAME'], flag: 'newrelic-app-name', valueName: 'NAME', fileKeys: ['newrelicAppName'],
    parser: p.text(), description: 'Load the New Relic agent under this application name.' }),
  row('newrelicLicense', { env: ['NEWRELIC_LICENSE'], flag: 'newrelic-license', valueName: 'KEY', fileKeys: ['newrelicLicense'],
    parser: p.text(), secret: true, description: 'New Relic license key (redacted whenever the config is printed).' }),
];

function mapped<A, B>(inner: p.Parser<A>, to: (value: A) => B): p.Parser<B> {
  return {
    expected: inner.expected,
    parse(raw) {
      const parsed = inner.parse(raw);
      return parsed.ok ? { ok: true, value: to(parsed.value) } : parsed;
    },
  };
}
