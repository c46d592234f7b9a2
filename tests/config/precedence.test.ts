// flag > env > file > default, aliases, and two spellings of one setting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { settings } from '../../src/config/settings.js';
import { config, errorsOf, loadOk } from './load-helper.js';

const FILE = '/etc/metadataproxy.json';
const withFile = (json: object) => ({ [FILE]: JSON.stringify(json) });

test('defaults when nothing is given', () => {
  const c = config();
  assert.equal(c.host, '0.0.0.0');
  assert.equal(c.port, 8000);
  assert.equal(c.metadataUrl, 'http://169.254.169.254');
  assert.equal(c.refreshBeforeExpiryMs, 30 * 60_000);
  assert.ok(c.refreshBeforeExpiryMs > 25 * 60_000, 'botocore refetches credentials with less than ~25 minutes left');
  assert.equal(c.roleDurationSeconds, 3600);
  assert.equal(c.dockerEnabled, true);
  assert.equal(c.dockerUrl, 'unix:///var/run/docker.sock');
  assert.equal(c.dockerMissWaitMs, 1000);
  assert.equal(c.adminListen, '127.0.0.1:8001');
  assert.equal(c.httpTokens, 'optional');
  assert.equal(c.unknownCaller, 'passthrough');
  assert.equal(c.stsMode, 'aws');
  assert.equal(c.logLevel, 'info');
  assert.equal(c.logFormat, 'text');
  assert.deepEqual(c.accountMap, {});
  assert.deepEqual(c.denyPaths, []);
  assert.equal(c.defaultRole, undefined);
  assert.equal(c.configFile, undefined);
});

test('every required Config field has a default', () => {
  const c = config() as unknown as Record<string, unknown>;
  const optional = new Set(['defaultRole', 'defaultAccountId', 'defaultAlias', 'defaultPolicy', 'awsRegion', 'roleMappingFile',
    'hostnameMatchRegex', 'roleSessionKey', 'configFile', 'tokenKeyFile', 'statsdAddr', 'datadogAddr', 'statsiteAddr',
    'newrelicAppName', 'newrelicLicense', 'containerCredentialsPort', 'sourceIdentityKey']);
  for (const field of new Set(settings.map((s) => s.field))) {
    if (!optional.has(field)) assert.notEqual(c[field], undefined, `${field} has no default`);
  }
});

test('flag beats env beats file beats default', () => {
  const files = withFile({ port: 7000, logLevel: 'error', metadataUrl: 'http://127.0.0.1:1', mockedInstanceId: 'i-file' });
  const { config: c, sources } = loadOk({
    argv: ['-c', FILE, '--port', '9000'],
    env: { PORT: '8500', LOG_LEVEL: 'warning' },
    files,
  });
  assert.equal(c.port, 9000);
  assert.equal(sources.port, '--port');
  assert.equal(c.logLevel, 'warning');
  assert.equal(sources.logLevel, 'LOG_LEVEL');
  assert.equal(c.metadataUrl, 'http://127.0.0.1:1');
  assert.equal(sources.metadataUrl, `-c ${FILE}: metadataUrl`);
  assert.equal(c.host, '0.0.0.0');
  assert.equal(sources.host, undefined, 'no source → default');
  assert.equal(c.configFile, FILE);
});

test('the last occurrence of a flag wins', () => {
  assert.equal(config({ argv: ['--port', '9000', '-p', '9001'] }).port, 9001);
});

test('env aliases: the first listed name wins (DOCKER_URL over DOCKER_HOST, AWS_REGION over AWS_DEFAULT_REGION)', () => {
  const c = config({ env: { DOCKER_HOST: 'tcp://127.0.0.1:2375', DOCKER_URL: 'unix:///run/docker.sock', AWS_DEFAULT_REGION: 'eu-west-1', AWS_REGION: 'us-east-2' } });
  assert.equal(c.dockerUrl, 'unix:///run/docker.sock');
  assert.equal(c.awsRegion, 'us-east-2');
});

test('ROLE_EXPIRATION_THRESHOLD and ROLE_CACHE_OFFSET: the higher level wins, and at one level they must agree', () => {
  assert.equal(config({ env: { ROLE_EXPIRATION_THRESHOLD: '20' }, argv: ['--role-cache-offset', '40m'] }).refreshBeforeExpiryMs, 40 * 60_000);
  assert.equal(config({ env: { ROLE_CACHE_OFFSET: '10m' }, argv: ['-c', FILE], files: withFile({ roleExpirationThreshold: 45 }) }).refreshBeforeExpiryMs, 10 * 60_000);
  assert.equal(config({ env: { ROLE_EXPIRATION_THRESHOLD: '15', ROLE_CACHE_OFFSET: '15m' } }).refreshBeforeExpiryMs, 15 * 60_000);
  assert.deepEqual(errorsOf({ env: { ROLE_EXPIRATION_THRESHOLD: '15', ROLE_CACHE_OFFSET: '20m' } }), [
    'ROLE_EXPIRATION_THRESHOLD="15" and ROLE_CACHE_OFFSET="20m": disagree; set only one of them',
  ]);
});

test('MOCK_STS and STS_MODE / --sts; --require-token and HTTP_TOKENS', () => {
  assert.equal(config({ env: { MOCK_STS: 'false' } }).stsMode, 'aws');
  assert.equal(config({ env: { MOCK_STS: 'true' }, argv: ['--sts', 'aws'] }).stsMode, 'aws');
  assert.equal(config({ env: { HTTP_TOKENS: 'optional' }, argv: ['--require-token'] }).httpTokens, 'required');
  assert.deepEqual(errorsOf({ env: { MOCK_STS: 'true', STS_MODE: 'aws' } }), ['STS_MODE="aws" and MOCK_STS="true": disagree; set only one of them']);
  assert.deepEqual(errorsOf({ argv: ['--http-tokens', 'optional', '--require-token'] }), [
    '--http-tokens="optional" and --require-token=true: disagree; set only one of them',
  ]);
});

test('DEBUG from the file still turns on debug logging; an explicit LOG_LEVEL anywhere wins', () => {
  assert.equal(config({ argv: ['-c', FILE], files: withFile({ debug: true }) }).logLevel, 'debug');
  assert.equal(config({ argv: ['-c', FILE], env: { LOG_LEVEL: 'error' }, files: withFile({ debug: true }) }).logLevel, 'error');
});

test('defaults are fresh objects for every load', () => {
  const first = config();
  first.denyPaths.push('/x');
  first.accountMap.x = '123456789012';
  assert.deepEqual(config().denyPaths, []);
  assert.deepEqual(config().accountMap, {});
});
