// The -c JSON file: our camelCase keys and dump247/ec2metaproxy's keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { config, errorsOf, loadOk } from './load-helper.js';

const FILE = '/etc/ec2metaproxy.json';
const load = (json: unknown, argv: string[] = []) => config({ argv: ['-c', FILE, ...argv], files: { [FILE]: JSON.stringify(json) } });
const errors = (json: unknown) => errorsOf({ argv: ['--config', FILE], files: { [FILE]: JSON.stringify(json) } });

const DEFAULT_ARN = 'arn:aws:iam::000000000000:role/ProxyDefault';
const DB_ARN = 'arn:aws:iam::000000000000:role/docker/MysqlSlave';

test('an ec2metaproxy config file works unchanged', () => {
  const c = load({
    defaultAlias: 'default',
    aliasToARN: { default: DEFAULT_ARN, db: DB_ARN },
    defaultPolicy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["*"]}]}',
    dockerHost: 'unix:///var/run/custom-docker.sock',
    listen: ':18000',
    verbose: true,
  });
  assert.deepEqual(c.aliasToArn, { default: DEFAULT_ARN, db: DB_ARN });
  assert.equal(c.defaultAlias, 'default');
  assert.equal(c.defaultPolicy, '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["*"]}]}');
  assert.equal(c.dockerUrl, 'unix:///var/run/custom-docker.sock');
  assert.equal(c.port, 18000);
  assert.equal(c.host, '0.0.0.0', '":18000" keeps the default host (all interfaces)');
  assert.equal(c.verbose, true);
});

test('listen with a host sets both; IPv6 in brackets', () => {
  const v4 = load({ listen: '172.17.0.1:18000' });
  assert.equal(v4.host, '172.17.0.1');
  assert.equal(v4.port, 18000);
  const v6 = load({ listen: '[::1]:18001' });
  assert.equal(v6.host, '::1');
  assert.equal(v6.port, 18001);
});

test('defaultPolicy may be a JSON object; it is stored as compact JSON text', () => {
  const c = load({ defaultPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] } });
  assert.equal(c.defaultPolicy, '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}');
});

test('our own keys, with JSON types or strings', () => {
  const c = load({
    host: '127.0.0.1', port: '8100', debug: 'true', mockApi: true, awsAccountMap: { prod: '123456789012' }, aliasToArn: { db: DB_ARN },
    denyPaths: ['/*/user-data'], allowPaths: '/latest/meta-data/instance-id,/latest/meta-data/placement/**',
    roleCacheOffset: '45m', roleSessionDuration: 7200, dockerMissWait: '500ms', sts: 'offline', httpTokens: 'required',
    docker: false, hostnameMatchRegex: '^web', enablePrometheus: true, copyDockerLabels: ['team'], newrelicLicense: 'k',
  });
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.port, 8100);
  assert.equal(c.debug, true);
  assert.equal(c.mockApi, true);
  assert.deepEqual(c.accountMap, { prod: '123456789012' });
  assert.deepEqual(c.aliasToArn, { db: DB_ARN });
  assert.deepEqual(c.denyPaths, ['/*/user-data']);
  assert.deepEqual(c.allowPaths, ['/latest/meta-data/instance-id', '/latest/meta-data/placement/**']);
  assert.equal(c.refreshBeforeExpiryMs, 45 * 60_000);
  assert.equal(c.roleDurationSeconds, 7200);
  assert.equal(c.dockerMissWaitMs, 500);
  assert.equal(c.stsMode, 'offline');
  assert.equal(c.httpTokens, 'required');
  assert.equal(c.dockerEnabled, false);
  assert.deepEqual(c.hostnameMatchRegex, /^web/);
  assert.equal(c.enablePrometheus, true);
  assert.deepEqual(c.copyDockerLabels, ['team']);
  assert.equal(c.newrelicLicense, 'k');
});

test('null in the file reads as not set', () => {
  assert.equal(load({ defaultRole: null, port: null }).port, 8000);
});

test('environment and flags override the file, listen included', () => {
  const { config: c } = loadOk({ argv: ['-c', FILE, '--verbose=false'], env: { PORT: '9100' }, files: { [FILE]: '{"listen":"127.0.0.1:18000","verbose":true}' } });
  assert.equal(c.port, 9100);
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.verbose, false);
});

test('--default-alias must name an aliasToARN entry', () => {
  assert.equal(load({ aliasToARN: { db: DB_ARN } }, ['--default-alias', 'db']).defaultAlias, 'db');
  assert.deepEqual(errors({ aliasToARN: { db: DB_ARN }, defaultAlias: 'web' }), [
    `--config ${FILE}: defaultAlias: expected a key of aliasToARN (db), got "web"`,
  ]);
  assert.deepEqual(errorsOf({ argv: ['--default-alias', 'x'] }), ['--default-alias: expected a key of aliasToARN (none defined), got "x"']);
  assert.equal(errorsOf({ argv: ['--default-alias', 'constructor'] }).length, 1, 'inherited object keys are not aliases');
});

test('file problems: unknown keys, bad values, listen conflicts, bad aliasToARN', () => {
  assert.deepEqual(errors({ prot: 8000, listen: 'localhost', aliasToARN: { db: 'MysqlSlave' }, defaultPolicy: '[1]', verbose: 'very' }), [
    `--config ${FILE}: listen: expected ":PORT" or "HOST:PORT", got "localhost"`,
    `--config ${FILE}: unknown key "prot" (did you mean "port"?)`,
    `--config ${FILE}: aliasToARN: expected a JSON object of alias → role ARN: "db" → "MysqlSlave"`,
    `--config ${FILE}: defaultPolicy: expected a JSON policy document (an object): not an object`,
    `--config ${FILE}: verbose: expected true or false, got "very"`,
  ]);
  assert.deepEqual(errors({ listen: ':18000', port: 18001 }), [`--config ${FILE}: listen: give either listen or host and port, not both`]);
  assert.deepEqual(errors({ port: 70000 }), [`--config ${FILE}: port: expected an integer 0-65535, got 70000`]);
  assert.deepEqual(errors({ aliasToArn: { a: DB_ARN }, aliasToARN: { b: DB_ARN } }).length, 1, 'two spellings that disagree');
});

// aliasToARN entries are checked with the role-spec grammar the resolver uses, so start-up refuses what a
// request would later fail on (a name over IAM's 64 characters) and accepts what IAM allows in a path.
test('aliasToARN values follow IAM\'s role ARN rules', () => {
  const long = `arn:aws:iam::000000000000:role/${'n'.repeat(65)}`;
  assert.deepEqual(errors({ aliasToARN: { db: long } }), [`--config ${FILE}: aliasToARN: expected a JSON object of alias → role ARN: "db" → ${JSON.stringify(long)}`]);
  const pathWithBang = 'arn:aws:iam::000000000000:role/team!a/db';
  assert.deepEqual(load({ aliasToARN: { db: pathWithBang } }).aliasToArn, { db: pathWithBang });
  assert.deepEqual(load({ aliasToARN: { gov: 'arn:aws-us-gov:iam::000000000000:role/db' } }).aliasToArn, { gov: 'arn:aws-us-gov:iam::000000000000:role/db' });
  assert.equal(errors({ aliasToARN: { db: 'arn:aws-:iam::000000000000:role/db' } }).length, 1, 'a partition must be aws or aws-<word>');
});

test('the file itself: unreadable, not JSON, not an object', () => {
  assert.deepEqual(errorsOf({ argv: ['-c', '/x.json'] }), ['-c /x.json: cannot read file: ENOENT']);
  assert.deepEqual(errorsOf({ argv: ['-c', FILE], files: { [FILE]: '[]' } }), [`-c ${FILE}: expected a JSON object`]);
  const [notJson] = errorsOf({ argv: ['-c', FILE], files: { [FILE]: '{"listen": ' } });
  assert.match(notJson!, new RegExp(`^-c ${FILE}: expected a JSON object: .+`));
});
