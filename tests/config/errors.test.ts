// Each invalid value gives one line naming where it came from and what is expected; all are reported together.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorsOf } from './load-helper.js';

const oneError = (env: Record<string, string>) => {
  const errors = errorsOf({ env });
  assert.equal(errors.length, 1, errors.join('\n'));
  return errors[0]!;
};

test('exact lines for invalid environment values', () => {
  const cases: Array<[Record<string, string>, string]> = [
    [{ PORT: '70000' }, 'PORT: expected an integer 0-65535, got "70000"'],
    [{ PORT: '80a' }, 'PORT: expected an integer 0-65535, got "80a"'],
    [{ PORT: '-1' }, 'PORT: expected an integer 0-65535, got "-1"'],
    [{ HOST: 'not a host' }, 'HOST: expected an IP address or host name, or a comma-separated list of them, got "not a host"'],
    [{ HOST: '::,::' }, 'HOST: expected an IP address or host name, or a comma-separated list of them, got "::,::"'],
    [{ ADMIN_LISTEN: '127.0.0.1' }, 'ADMIN_LISTEN: expected HOST:PORT (port 0-65535), got "127.0.0.1"'],
    [{ ADMIN_LISTEN: '::1:8001' }, 'ADMIN_LISTEN: expected HOST:PORT (port 0-65535), got "::1:8001"'],
    [{ STATSD_ADDR: 'localhost:0' }, 'STATSD_ADDR: expected HOST:PORT (port 1-65535), got "localhost:0"'],
    [{ DATADOG_ADDR: ':8125' }, 'DATADOG_ADDR: expected HOST:PORT (port 1-65535), got ":8125"'],
    [{ STATSITE_ADDR: 'x:99999' }, 'STATSITE_ADDR: expected HOST:PORT (port 1-65535), got "x:99999"'],
    [{ DEBUG: 'maybe' }, 'DEBUG: expected true or false, got "maybe"'],
    [{ ENABLE_PROMETHEUS: 'enabled' }, 'ENABLE_PROMETHEUS: expected true or false, got "enabled"'],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL: expected one of debug, info, warning, error, got "verbose"'],
    [{ LOG_FORMAT: 'xml' }, 'LOG_FORMAT: expected one of text, json, gelf, got "xml"'],
    [{ HTTP_TOKENS: 'always' }, 'HTTP_TOKENS: expected one of optional, required, got "always"'],
    [{ UNKNOWN_CALLER: 'drop' }, 'UNKNOWN_CALLER: expected one of passthrough, deny, got "drop"'],
    [{ STS_MODE: 'fake' }, 'STS_MODE: expected one of aws, offline, got "fake"'],
    [{ METADATA_URL: '169.254.169.254' }, 'METADATA_URL: expected an http:// or https:// URL, got "169.254.169.254"'],
    [{ METADATA_URL: 'ftp://host' }, 'METADATA_URL: expected an http:// or https:// URL, got "ftp://host"'],
    [{ DEFAULT_ACCOUNT_ID: '12345' }, 'DEFAULT_ACCOUNT_ID: expected a 12-digit AWS account id, got "12345"'],
    [{ AWS_REGION: 'Frankfurt' }, 'AWS_REGION: expected an AWS region such as us-east-1, got "Frankfurt"'],
    [{ AWS_ACCOUNT_MAP: '{"prod":"12345"}' }, 'AWS_ACCOUNT_MAP: expected a JSON object of alias → 12-digit account id: "prod" → "12345"'],
    [{ AWS_ACCOUNT_MAP: '["123456789012"]' }, 'AWS_ACCOUNT_MAP: expected a JSON object of alias → 12-digit account id: not an object'],
    [{ ROLE_EXPIRATION_THRESHOLD: '15m' }, 'ROLE_EXPIRATION_THRESHOLD: expected a whole number of minutes, got "15m"'],
    [{ ROLE_CACHE_OFFSET: '15' }, 'ROLE_CACHE_OFFSET: expected a Go duration such as 15m, 1h30m or 90s, at most 12h, got "15"'],
    [{ ROLE_CACHE_OFFSET: '-5m' }, 'ROLE_CACHE_OFFSET: expected a Go duration such as 15m, 1h30m or 90s, at most 12h, got "-5m"'],
    [{ DOCKER_MISS_WAIT: '1 second' }, 'DOCKER_MISS_WAIT: expected a Go duration such as 15m, 1h30m or 90s, at most 10s, got "1 second"'],
    [{ DEFAULT_SESSION_TAGS: 'team' }, 'DEFAULT_SESSION_TAGS: expected KEY=VALUE pairs separated by commas; values may use {name}, {image} and {service}: session tag entry "team" is not KEY=VALUE'],
    [{ DEFAULT_SESSION_TAGS: 'c={container}' }, 'DEFAULT_SESSION_TAGS: expected KEY=VALUE pairs separated by commas; values may use {name}, {image} and {service}: unknown placeholder {container}'],
    [{ DEFAULT_SESSION_TAGS: 'team=a;b' }, 'DEFAULT_SESSION_TAGS: expected KEY=VALUE pairs separated by commas; values may use {name}, {image} and {service}: session tag "team": the value must be 0-256 characters of letters, digits, spaces and _.:/=+-@'],
    [{ SOURCE_IDENTITY_KEY: 'Env:' }, 'SOURCE_IDENTITY_KEY: expected Env:NAME, Labels:NAME, Name, Image or NAME, got "Env:"'],
    [{ CONTAINER_CREDENTIALS_PORT: '80000' }, 'CONTAINER_CREDENTIALS_PORT: expected an integer 0-65535, got "80000"'],
    [{ DOCKER_MISS_WAIT: '1m' }, 'DOCKER_MISS_WAIT: expected a Go duration such as 15m, 1h30m or 90s, at most 10s, got "1m"'],
    [{ UPSTREAM_MAX_CONNECTIONS: '0' }, 'UPSTREAM_MAX_CONNECTIONS: expected an integer 1-1024, got "0"'],
    [{ PASSTHROUGH_QUEUE_PER_CALLER: 'lots' }, 'PASSTHROUGH_QUEUE_PER_CALLER: expected an integer 1-100000, got "lots"'],
    [{ ROLE_SESSION_DURATION: '600' }, 'ROLE_SESSION_DURATION: expected an integer 900-43200, got "600"'],
    [{ ROLE_SESSION_KEY: 'Labels:' }, 'ROLE_SESSION_KEY: expected Env:NAME, Labels:NAME or NAME, got "Labels:"'],
    [{ DOCKER_URL: 'ssh://host' }, 'DOCKER_URL: expected unix:///PATH, tcp://HOST:PORT or http(s)://HOST:PORT, got "ssh://host"'],
    [{ DOCKER_URL: 'tcp://docker:2375/api' }, 'DOCKER_URL: expected unix:///PATH, tcp://HOST:PORT or http(s)://HOST:PORT, got "tcp://docker:2375/api"'],
    [{ DOCKER_HOST: 'unix://' }, 'DOCKER_HOST: expected unix:///PATH, tcp://HOST:PORT or http(s)://HOST:PORT, got "unix://"'],
    [{ DENY_PATHS: '/ok,user-data' }, 'DENY_PATHS: expected comma-separated path patterns such as /*/user-data or /latest/meta-data/tags/**: "user-data" must start with /'],
  ];
  for (const [env, expected] of cases) assert.equal(oneError(env), expected);
});

test('bad JSON and bad regex carry the parser\'s own reason', () => {
  assert.match(oneError({ AWS_ACCOUNT_MAP: "{'prod':'123456789012'}" }), /^AWS_ACCOUNT_MAP: expected a JSON object of alias → 12-digit account id: \S.*$/);
  assert.match(oneError({ DEFAULT_POLICY: '{"Version":' }), /^DEFAULT_POLICY: expected a JSON policy document \(an object\): \S.*$/);
  assert.match(oneError({ HOSTNAME_MATCH_REGEX: '(web' }), /^HOSTNAME_MATCH_REGEX: expected a regular expression: Invalid regular expression: .*Unterminated group$/);
});

test('flags are named as typed', () => {
  assert.deepEqual(errorsOf({ argv: ['-p', '70000'] }), ['-p: expected an integer 0-65535, got "70000"']);
  assert.deepEqual(errorsOf({ argv: ['--role-cache-offset=soon'] }), ['--role-cache-offset: expected a Go duration such as 15m, 1h30m or 90s, at most 12h, got "soon"']);
  assert.deepEqual(errorsOf({ argv: ['--debug=sometimes'] }), ['--debug: expected true or false, got "sometimes"']);
});

test('command-line mistakes', () => {
  assert.deepEqual(errorsOf({ argv: ['--prot', '8000'] }), ['--prot: unknown option (did you mean --port?)', 'unexpected argument "8000" (see --help)']);
  assert.deepEqual(errorsOf({ argv: ['-x'] }), ['-x: unknown option (see --help)']);
  assert.deepEqual(errorsOf({ argv: ['serve'] }), ['unexpected argument "serve" (see --help)']);
  assert.deepEqual(errorsOf({ argv: ['--port'] }), ['--port: expected a value']);
  assert.deepEqual(errorsOf({ argv: ['-c'] }), ['-c: expected a value']);
  assert.deepEqual(errorsOf({ argv: ['--no-debug=true'] }), ['--no-debug: takes no value']);
  assert.deepEqual(errorsOf({ argv: ['--no-port'] }), ['--no-port: unknown option (did you mean --port?)']);
});

test('the refresh threshold must be shorter than the role session duration', () => {
  assert.deepEqual(errorsOf({ env: { ROLE_SESSION_DURATION: '900' } }), [
    'ROLE_EXPIRATION_THRESHOLD (default 30): expected a refresh threshold shorter than the role session duration (900s, ROLE_SESSION_DURATION), got 30m',
  ]);
  assert.deepEqual(errorsOf({ env: { ROLE_CACHE_OFFSET: '1h' } }), [
    'ROLE_CACHE_OFFSET: expected a refresh threshold shorter than the role session duration (3600s, default), got 1h',
  ]);
});

test('a secret is never echoed in an error', () => {
  const errors = errorsOf({ env: { PORT: 'x' }, argv: ['--newrelic-license='] });
  assert.deepEqual(errors, ['--newrelic-license: expected a non-empty value', 'PORT: expected an integer 0-65535, got "x"']);
});

test('every problem is reported at once, one line each', () => {
  const errors = errorsOf({
    argv: ['--bogus', '-c', '/missing.json', '--log-level', 'loud'],
    env: { PORT: '70000', AWS_ACCOUNT_MAP: '{bad', HOSTNAME_MATCH_REGEX: '(', ROLE_CACHE_OFFSET: 'soon', DOCKER_MISS_WAIT: 'x' },
  });
  assert.equal(errors.length, 8, errors.join('\n'));
  for (const line of errors) assert.doesNotMatch(line, /\n/);
  for (const name of ['--bogus', '-c /missing.json', '--log-level', 'PORT', 'AWS_ACCOUNT_MAP', 'HOSTNAME_MATCH_REGEX', 'ROLE_CACHE_OFFSET', 'DOCKER_MISS_WAIT']) {
    assert.ok(errors.some((line) => line.startsWith(`${name}: `)), `no line for ${name}`);
  }
});

test('a bad value is reported even when a higher level overrides it', () => {
  assert.deepEqual(errorsOf({ env: { PORT: 'abc' }, argv: ['--port', '9000'] }), ['PORT: expected an integer 0-65535, got "abc"']);
});
