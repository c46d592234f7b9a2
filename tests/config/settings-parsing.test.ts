// Every setting row, through each of its inputs: a valid value lands in the right Config field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { settings } from '../../src/config/settings.js';
import type { Config } from '../../src/config/types.js';
import { config, type Input } from './load-helper.js';

// [environment name, raw value, field, expected value]
const envCases: Array<[string, string, keyof Config, unknown]> = [
  ['HOST', '127.0.0.1', 'host', '127.0.0.1'],
  ['PORT', '18000', 'port', 18000],
  ['ADMIN_LISTEN', '[::1]:9001', 'adminListen', '[::1]:9001'],
  ['DEBUG', 'True', 'debug', true],
  ['VERBOSE', 'yes', 'verbose', true],
  ['LOG_LEVEL', 'warning', 'logLevel', 'warning'],
  ['LOG_FORMAT', 'gelf', 'logFormat', 'gelf'],
  ['METADATA_URL', 'http://127.0.0.1:9999/', 'metadataUrl', 'http://127.0.0.1:9999'],
  ['MOCK_API', 'true', 'mockApi', true],
  ['MOCKED_INSTANCE_ID', 'i-0123456789abcdef0', 'mockedInstanceId', 'i-0123456789abcdef0'],
  ['UPSTREAM_MAX_CONNECTIONS', '16', 'upstreamMaxConnections', 16],
  ['PASSTHROUGH_QUEUE_PER_CALLER', '8', 'passthroughQueuePerCaller', 8],
  ['STS_MODE', 'offline', 'stsMode', 'offline'],
  ['MOCK_STS', 'true', 'stsMode', 'offline'],
  ['DEFAULT_ROLE', 'reader@prod', 'defaultRole', 'reader@prod'],
  ['DEFAULT_ACCOUNT_ID', '012345678901', 'defaultAccountId', '012345678901'],
  ['AWS_ACCOUNT_MAP', '{"prod":"123456789012","dev":"210987654321"}', 'accountMap', { prod: '123456789012', dev: '210987654321' }],
  ['DEFAULT_POLICY', '{ "Version": "2012-10-17", "Statement": [] }', 'defaultPolicy', '{"Version":"2012-10-17","Statement":[]}'],
  ['AWS_REGION', 'eu-central-1', 'awsRegion', 'eu-central-1'],
  ['AWS_DEFAULT_REGION', 'us-gov-west-1', 'awsRegion', 'us-gov-west-1'],
  ['ROLE_EXPIRATION_THRESHOLD', '15', 'refreshBeforeExpiryMs', 900_000],
  ['ROLE_CACHE_OFFSET', '20m30s', 'refreshBeforeExpiryMs', 1_230_000],
  ['ROLE_SESSION_DURATION', '7200', 'roleDurationSeconds', 7200],
  ['ROLE_SESSION_KEY', 'Labels:com.example.service', 'roleSessionKey', 'Labels:com.example.service'],
  ['SOURCE_IDENTITY_KEY', 'Image', 'sourceIdentityKey', 'Image'],
  ['DEFAULT_SESSION_TAGS', 'container={name}, service={service},team=', 'defaultSessionTags', { container: '{name}', service: '{service}', team: '' }],
  ['ROLE_CHAINING', 'true', 'roleChaining', true],
  ['CONTAINER_CREDENTIALS_PORT', '8002', 'containerCredentialsPort', 8002],
  ['ROLE_MAPPING_FILE', '/etc/mapping.json', 'roleMappingFile', '/etc/mapping.json'],
  ['ROLE_REVERSE_LOOKUP', '1', 'roleReverseLookup', true],
  ['DOCKER', 'false', 'dockerEnabled', false],
  ['DOCKER_URL', 'tcp://127.0.0.1:2375', 'dockerUrl', 'tcp://127.0.0.1:2375'],
  ['DOCKER_HOST', 'unix:///run/user/1000/docker.sock', 'dockerUrl', 'unix:///run/user/1000/docker.sock'],
  ['CONTAINER_ENGINE', 'podman', 'containerEngine', 'podman'],
  ['DOCKER_MISS_WAIT', '250ms', 'dockerMissWaitMs', 250],
  ['HTTP_TOKENS', 'required', 'httpTokens', 'required'],
  ['TOKEN_KEY_FILE', '/etc/token.key', 'tokenKeyFile', '/etc/token.key'],
  ['UNKNOWN_CALLER', 'deny', 'unknownCaller', 'deny'],
  ['DENY_PATHS', '/latest/user-data, /latest/meta-data/public-keys/*,', 'denyPaths', ['/latest/user-data', '/latest/meta-data/public-keys/*']],
  ['ALLOW_PATHS', '/latest/meta-data/instance-id', 'allowPaths', ['/latest/meta-data/instance-id']],
  ['ENABLE_PROMETHEUS', 'on', 'enablePrometheus', true],
  ['STATSD_ADDR', 'localhost:8125', 'statsdAddr', 'localhost:8125'],
  ['DATADOG_ADDR', '127.0.0.1:8125', 'datadogAddr', '127.0.0.1:8125'],
  ['STATSITE_ADDR', 'statsite.internal:8125', 'statsiteAddr', 'statsite.internal:8125'],
  ['COPY_DOCKER_LABELS', 'PROJECT_VERSION,team', 'copyDockerLabels', ['PROJECT_VERSION', 'team']],
  ['COPY_DOCKER_ENV', 'SERVICE', 'copyDockerEnv', ['SERVICE']],
  ['NEWRELIC_APP_NAME', 'metadataproxy', 'newrelicAppName', 'metadataproxy'],
  ['NEWRELIC_LICENSE', 'nr-secret-license', 'newrelicLicense', 'nr-secret-license'],
];

// [input, field, expected value] for rows without an environment name, and short or `=` flag forms.
const flagCases: Array<[Input, keyof Config, unknown]> = [
  [{ argv: ['--demo'] }, 'demo', true],
  [{ argv: ['-c', '/etc/mp.json', '--default-alias', 'db'], files: { '/etc/mp.json': '{"aliasToARN":{"db":"arn:aws:iam::123456789012:role/db"}}' } }, 'defaultAlias', 'db'],
  [{ argv: ['--require-token'] }, 'httpTokens', 'required'],
  [{ argv: ['--no-docker'] }, 'dockerEnabled', false],
  [{ argv: ['-p', '9000'] }, 'port', 9000],
  [{ argv: ['-v'] }, 'verbose', true],
  [{ argv: ['--sts=offline'] }, 'stsMode', 'offline'],
];

const files = { '/etc/mapping.json': '{}', '/etc/token.key': 'k'.repeat(32) };

for (const [name, raw, field, expected] of envCases) {
  test(`env ${name}=${raw} → ${field}`, () => {
    assert.deepEqual(config({ env: { [name]: raw }, files })[field], expected);
  });
}

for (const [name, raw, field, expected] of envCases) {
  const row = settings.find((s) => s.env.includes(name))!;
  if (!row.flag || row.switch) continue;
  test(`flag --${row.flag} ${raw} → ${field}`, () => {
    assert.deepEqual(config({ argv: [`--${row.flag}`, raw], files })[field], expected);
  });
}

for (const [input, field, expected] of flagCases) {
  test(`flags ${input.argv!.join(' ')} → ${field}`, () => {
    assert.deepEqual(config(input)[field], expected);
  });
}

test('HOSTNAME_MATCH_REGEX compiles to a RegExp', () => {
  const regex = config({ env: { HOSTNAME_MATCH_REGEX: '^web-\\d+\\.internal$' } }).hostnameMatchRegex;
  assert.ok(regex instanceof RegExp);
  assert.equal(regex.test('web-12.internal'), true);
  assert.equal(regex.test('db-1.internal'), false);
});

test('every environment name and flag of the table is exercised above', () => {
  const envNames = new Set([...envCases.map(([name]) => name), 'HOSTNAME_MATCH_REGEX']); // the regex has its own test
  const flags = new Set(flagCases.flatMap(([input]) => input.argv!.filter((a) => a.startsWith('-'))));
  for (const row of settings) {
    for (const name of row.env) assert.ok(envNames.has(name), `no test for env ${name}`);
    if (row.flag && row.env.length === 0) {
      assert.ok([...flags].some((f) => f.replace(/=.*/, '') === `--${row.flag}`), `no test for --${row.flag}`);
    }
  }
});

test('switches: --x, --no-x and --x=false; booleans accept true/false/1/0/yes/no/on/off in any case', () => {
  assert.equal(config({ argv: ['--mock-api'] }).mockApi, true);
  assert.equal(config({ argv: ['--mock-api=false'] }).mockApi, false);
  assert.equal(config({ env: { MOCK_API: 'true' }, argv: ['--no-mock-api'] }).mockApi, false);
  for (const word of ['true', 'TRUE', '1', 'yes', 'On']) assert.equal(config({ env: { DEBUG: word } }).debug, true, word);
  for (const word of ['false', 'False', '0', 'no', 'OFF']) assert.equal(config({ env: { DEBUG: word } }).debug, false, word);
});

test('log level aliases as go-metadataproxy (logrus) spells them; case-insensitive', () => {
  assert.equal(config({ env: { LOG_LEVEL: 'warn' } }).logLevel, 'warning');
  assert.equal(config({ env: { LOG_LEVEL: 'WARN' } }).logLevel, 'warning');
  assert.equal(config({ env: { LOG_LEVEL: 'trace' } }).logLevel, 'debug');
  assert.equal(config({ env: { LOG_LEVEL: 'fatal' } }).logLevel, 'error');
  assert.equal(config({ env: { LOG_LEVEL: 'panic' } }).logLevel, 'error');
  assert.equal(config({ env: { LOG_FORMAT: 'JSON' } }).logFormat, 'json');
});

test('DEBUG turns on debug logging unless LOG_LEVEL says otherwise', () => {
  assert.equal(config({ env: { DEBUG: 'true' } }).logLevel, 'debug');
  assert.equal(config({ env: { DEBUG: 'true', LOG_LEVEL: 'info' } }).logLevel, 'info');
});

test('docker URL: lyft\'s unix://var/run/docker.sock means the absolute path', () => {
  assert.equal(config({ env: { DOCKER_URL: 'unix://var/run/docker.sock' } }).dockerUrl, 'unix:///var/run/docker.sock');
  assert.equal(config({ env: { DOCKER_HOST: 'http://127.0.0.1:2375' } }).dockerUrl, 'http://127.0.0.1:2375');
});

// The settings and the Docker client read DOCKER_URL with one parser: a bare socket path (which the client
// always took) is accepted at start-up; a URL with a path, which the client never took, is refused (errors.test.ts).
test('docker URL: a bare socket path is a unix socket', () => {
  assert.equal(config({ env: { DOCKER_URL: '/run/user/1000/docker.sock' } }).dockerUrl, 'unix:///run/user/1000/docker.sock');
  assert.equal(config({ env: { DOCKER_URL: 'tcp://[::1]:2375' } }).dockerUrl, 'tcp://[::1]:2375');
});

test('listen addresses: IPv6 hosts, and port 0 for "any free port"', () => {
  assert.equal(config({ env: { HOST: '::' } }).host, '::');
  assert.equal(config({ env: { HOST: 'localhost' } }).host, 'localhost');
  assert.equal(config({ env: { HOST: ' 172.17.0.1 , fd00:d0c::1 ' } }).host, '172.17.0.1,fd00:d0c::1', 'a list, one listener per address');
  assert.equal(config({ env: { PORT: '0' } }).port, 0);
  assert.equal(config({ env: { ADMIN_LISTEN: '127.0.0.1:0' } }).adminListen, '127.0.0.1:0');
});

test('values are trimmed; an empty environment variable counts as unset', () => {
  assert.equal(config({ env: { PORT: ' 9000 ' } }).port, 9000);
  assert.equal(config({ env: { PORT: '', DEFAULT_ROLE: '' } }).port, 8000);
  assert.equal(config({ env: { DEFAULT_ROLE: '' } }).defaultRole, undefined);
});
