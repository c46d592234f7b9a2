import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { createRequestGate, type GateOptions, type GateResult } from '../../src/server/gate.js';
import { imdsErrorPage } from '../../src/imds/answers.js';
import { createTokenService } from '../../src/tokens/token-service.js';

const CALLER = '127.0.0.2';
let now = Date.UTC(2026, 0, 1);
const tokens = createTokenService({ key: Buffer.alloc(32, 1), clock: { now: () => now } });
const TOKEN = tokens.mint(CALLER, 3600);
const OTHER_CALLERS_TOKEN = tokens.mint('127.0.0.3', 3600);

function gate(overrides: Partial<GateOptions> = {}) {
  return createRequestGate({ httpTokens: 'optional', tokens, ...overrides });
}

function statusOf(result: GateResult): number | 'pass' {
  return result.kind === 'pass' ? 'pass' : result.status;
}

type Row = [method: string, url: string, headers: IncomingHttpHeaders, expected: number | 'pass'];

function expectAll(options: Partial<GateOptions>, rows: Row[]): void {
  const g = gate(options);
  for (const [method, url, headers, expected] of rows) {
    assert.equal(statusOf(g.check(method, url, headers, CALLER)), expected, `${method} ${url} ${JSON.stringify(headers)}`);
  }
}

test('token PUT: 1..21600 seconds mints a token bound to the caller, TTL echoed', () => {
  const result = gate().check('PUT', '/latest/api/token', { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' }, CALLER);
  assert.equal(result.kind, 'reply');
  assert.ok(result.kind === 'reply');
  assert.equal(result.status, 200);
  assert.deepEqual(result.headers, { 'content-type': 'text/plain', 'x-aws-ec2-metadata-token-ttl-seconds': '21600' });
  assert.equal(tokens.verify(String(result.body), CALLER), 'valid');
  assert.equal(tokens.verify(String(result.body), '127.0.0.3'), 'wrong-caller');
});

test('token PUT: the TTL it was asked for is the TTL it gets', () => {
  const result = gate().check('PUT', '/latest/api/token', { 'x-aws-ec2-metadata-token-ttl-seconds': '1' }, CALLER);
  assert.ok(result.kind === 'reply' && result.status === 200);
  const token = String(result.body);
  now += 999;
  assert.equal(tokens.verify(token, CALLER), 'valid');
  now += 1;
  assert.equal(tokens.verify(token, CALLER), 'expired');
});

test('token PUT rules', () => {
  const ttl = (value: string): IncomingHttpHeaders => ({ 'x-aws-ec2-metadata-token-ttl-seconds': value });
  expectAll({}, [
    ['PUT', '/latest/api/token', ttl('1'), 200],
    ['PUT', '/latest/api/token', ttl('00060'), 200],
    ['PUT', '/latest//api/./token', ttl('60'), 200],
    ['PUT', '/latest/api/token?x=1', ttl('60'), 200],
    // missing, not an integer, out of range → 400
    ['PUT', '/latest/api/token', {}, 400],
    ['PUT', '/latest/api/token', ttl(''), 400],
    ['PUT', '/latest/api/token', ttl('0'), 400],
    ['PUT', '/latest/api/token', ttl('21601'), 400],
    ['PUT', '/latest/api/token', ttl('-1'), 400],
    ['PUT', '/latest/api/token', ttl('+60'), 400],
    ['PUT', '/latest/api/token', ttl('60.0'), 400],
    ['PUT', '/latest/api/token', ttl('1e3'), 400],
    ['PUT', '/latest/api/token', ttl('0x10'), 400],
    ['PUT', '/latest/api/token', ttl('999999999999'), 400],
    ['PUT', '/latest/api/token', ttl('60, 60'), 400],
    ['PUT', '/latest/api/token', { 'x-aws-ec2-metadata-token-ttl-seconds': ['60', '60'] as unknown as string }, 400],
    // a versioned token path → 403, as IMDS does
    ['PUT', '/2021-03-23/api/token', ttl('60'), 403],
    ['PUT', '/2021-03-23/api/token/', ttl('60'), 403],
    ['PUT', '/LATEST/api/token', ttl('60'), 403],
    ['PUT', '/latest/api/token/', ttl('60'), 403],
    // through a forwarding proxy → 403, even with a valid TTL
    ['PUT', '/latest/api/token', { ...ttl('60'), 'x-forwarded-for': '10.0.0.1' }, 403],
    ['PUT', '/latest/api/token', { ...ttl('60'), 'x-forwarded-for': '' }, 403],
    // PUT anywhere else → 405
    ['PUT', '/latest/meta-data/', ttl('60'), 405],
    ['PUT', '/latest/api/token/x', ttl('60'), 405],
    ['PUT', '/', ttl('60'), 405],
  ]);
});

test('other methods: 405 with the methods that are allowed', () => {
  const g = gate();
  for (const method of ['POST', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'PROPFIND', 'get']) {
    const onToken = g.check(method, '/latest/api/token', {}, CALLER);
    assert.ok(onToken.kind === 'reply');
    assert.equal(onToken.status, 405, method);
    assert.equal(onToken.headers?.allow, 'PUT');
    const elsewhere = g.check(method, '/latest/meta-data/', {}, CALLER);
    assert.ok(elsewhere.kind === 'reply');
    assert.equal(elsewhere.status, 405, method);
    assert.equal(elsewhere.headers?.allow, 'GET, HEAD');
  }
  for (const method of ['GET', 'HEAD']) {
    const read = g.check(method, '/latest/api/token', {}, CALLER);
    assert.ok(read.kind === 'reply');
    assert.equal(read.status, 405);
    assert.equal(read.headers?.allow, 'PUT');
    assert.equal(statusOf(g.check(method, '/2021-03-23/api/token', {}, CALLER)), 405);
  }
});

test('optional mode: reads without a token pass, with a bad token get 401', () => {
  now = Date.UTC(2026, 0, 1);
  expectAll({ httpTokens: 'optional' }, [
    ['GET', '/latest/meta-data/', {}, 'pass'],
    ['HEAD', '/latest/meta-data/', {}, 'pass'],
    ['GET', '/latest/meta-data/', { 'x-aws-ec2-metadata-token': TOKEN }, 'pass'],
    ['GET', '/latest/meta-data/', { 'x-aws-ec2-metadata-token': OTHER_CALLERS_TOKEN }, 401],
    ['GET', '/latest/meta-data/', { 'x-aws-ec2-metadata-token': 'not-a-token' }, 401],
    ['GET', '/latest/meta-data/', { 'x-aws-ec2-metadata-token': '' }, 401],
    ['GET', '/latest/meta-data/', { 'x-aws-ec2-metadata-token': [TOKEN, TOKEN] as unknown as string }, 401],
    ['GET', '/latest/meta-data/', { 'x-aws-ec2-metadata-token': `${TOKEN}, ${TOKEN}` }, 401],
  ]);
});

test('required mode: every read needs a valid token of its own caller', () => {
  now = Date.UTC(2026, 0, 1);
  expectAll({ httpTokens: 'required' }, [
    ['GET', '/latest/meta-data/', {}, 401],
    ['HEAD', '/latest/meta-data/', {}, 401],
    ['GET', '/', {}, 401],
    ['GET', '/latest/meta-data/iam/security-credentials/', {}, 401],
    ['GET', '/latest/meta-data/does-not-exist', {}, 401],
    ['GET', '/latest/meta-data/', { 'x-aws-ec2-metadata-token': TOKEN }, 'pass'],
    ['GET', '/latest/meta-data/iam/security-credentials/', { 'x-aws-ec2-metadata-token': TOKEN }, 'pass'],
    ['GET', '/latest/meta-data/', { 'x-aws-ec2-metadata-token': OTHER_CALLERS_TOKEN }, 401],
    // the token endpoint itself needs no token
    ['PUT', '/latest/api/token', { 'x-aws-ec2-metadata-token-ttl-seconds': '60' }, 200],
  ]);
  now += 3600 * 1000;
  expectAll({ httpTokens: 'required' }, [['GET', '/latest/meta-data/', { 'x-aws-ec2-metadata-token': TOKEN }, 401]]);
  now = Date.UTC(2026, 0, 1);
});

test('IPv4-mapped callers are the same caller for tokens', () => {
  const g = gate({ httpTokens: 'required' });
  assert.equal(statusOf(g.check('GET', '/latest/meta-data/', { 'x-aws-ec2-metadata-token': TOKEN }, '::ffff:127.0.0.2')), 'pass');
});

test('identity-credentials is never passed through, however it is spelled', () => {
  expectAll({}, [
    ['GET', '/latest/meta-data/identity-credentials/ec2/security-credentials/ec2-instance', {}, 404],
    ['GET', '/latest/meta-data/identity-credentials/', {}, 404],
    ['GET', '/latest/meta-data/identity-credentials', {}, 404],
    ['GET', '/2021-03-23/meta-data/identity-credentials/ec2/info', {}, 404],
    ['GET', '/anything/meta-data/identity-credentials/ec2/info', {}, 404],
    ['GET', '/latest/meta-data/Identity-Credentials/ec2/info', {}, 404],
    ['GET', '/latest/meta-data/%69dentity-credentials/ec2/info', {}, 404],
    ['GET', '/latest/meta-data/x/../identity-credentials/ec2/info', {}, 404],
    ['GET', '/latest//meta-data//identity-credentials//ec2', {}, 404],
    ['GET', 'http://169.254.169.254/latest/meta-data/identity-credentials/ec2/info', {}, 404],
    ['GET', '/latest/meta-data/identity-credentials-x', {}, 404],
  ]);
});

test('an iam segment outside our routes is never passed through either', () => {
  expectAll({}, [
    ['GET', '/latest/dynamic/iam/info', {}, 404],
    ['GET', '/iam/security-credentials/', {}, 404],
    ['GET', '/latest/IAM', {}, 404],
    ['GET', '/latest/meta-data/tags/instance/iam', {}, 404],
    ['GET', '/latest/%69am/', {}, 404],
    // ours: routing answers these itself
    ['GET', '/latest/meta-data/iam/info', {}, 'pass'],
    ['GET', '/2016-09-02/meta-data/iam/security-credentials/app', {}, 'pass'],
    // not ours (wrong case, a version before IAM): held to the upstream rule
    ['GET', '/latest/meta-data/IAM/info', {}, 404],
    ['GET', '/2008-02-01/meta-data/iam/info', {}, 404],
  ]);
});

test('issue 12: decorated, encoded and lookalike IAM names never pass through', () => {
  expectAll({}, [
    // a segment that starts with a host-only name, whatever follows it
    ['GET', '/latest/meta-data/iam;/security-credentials/', {}, 404],
    ['GET', '/latest/meta-data/iam./info', {}, 404],
    ['GET', '/latest/meta-data/identity-credentials;/ec2/security-credentials/ec2-instance', {}, 404],
    ['GET', '/latest/meta-data/iam%20/info', {}, 404],
    ['GET', '/latest/meta-data/iam%3b/info', {}, 404],
    ['GET', '/latest/meta-data/iam~/info', {}, 404],
    ['GET', '/latest/meta-data/iam@/info', {}, 404],
    ['GET', '/latest/meta-data/iam+/info', {}, 404],
    ['GET', '/latest/meta-data/IAM-/info', {}, 404],
    ['GET', '/latest/meta-data/iamx', {}, 404],
    ['GET', '/latest/meta-data/Identity-Credentials.', {}, 404],
    ['GET', '/latest/meta-data/iam%E2%80%8B/info', {}, 404],
    // lookalikes: fullwidth, dotless i, fullwidth solidus (percent-encoded; raw bytes are refused by normalize.ts)
    ['GET', '/latest/meta-data/%EF%BD%89%EF%BD%81%EF%BD%8D/info', {}, 400],
    ['GET', '/latest/meta-data/%C4%B1am/info', {}, 400],
    ['GET', '/latest/meta-data%EF%BC%8Fiam%EF%BC%8F', {}, 404],
    ['GET', '/latest/meta-data%EF%BC%8Fx%EF%BC%8F', {}, 400],
    ['GET', '/latest/meta-data/\u0131am/info', {}, 400],
    // parameters and characters outside the alphabet
    ['GET', '/latest/meta-data/instance-id;x=1', {}, 400],
    ['GET', '/latest/meta-data/instance-id%20', {}, 400],
    ['GET', '/latest/meta-data/instance~id', {}, 400],
    ['GET', '/latest/meta-data/%C3%A9', {}, 400],
    // the query: either name in it, or anything outside its alphabet
    ['GET', '/latest/meta-data/instance-id?iam', {}, 404],
    ['GET', '/latest/meta-data/instance-id?x=IDENTITY-CREDENTIALS', {}, 404],
    ['GET', '/latest/meta-data/instance-id?x=%69am', {}, 400],
    ['GET', '/latest/meta-data/instance-id?x=/../iam/', {}, 404],
    ['GET', '/latest/meta-data/instance-id?x=a;b', {}, 400],
    ['GET', 'http://169.254.169.254/latest/meta-data/instance-id?iam', {}, 404],
    // what IMDS itself serves still passes
    ['GET', '/latest/meta-data/instance-id', {}, 'pass'],
    ['GET', '/latest/meta-data/instance-id?x=1&y=a_b-c.d', {}, 'pass'],
    ['GET', '/2021-03-23/dynamic/instance-identity/document', {}, 'pass'],
    ['GET', '/latest/meta-data/public-keys/0/openssh-key', {}, 'pass'],
    ['GET', '/latest/meta-data/tags/instance/', {}, 'pass'],
    ['GET', '/latest/meta-data/tags/instance/aws:autoscaling:groupName', {}, 'pass'],
    ['GET', '/latest/meta-data/tags/instance/a+b=c,d@e', {}, 'pass'],
    ['GET', '/latest/meta-data/tags/instance/x/a:b', {}, 400],
    ['GET', '/latest/user-data', {}, 'pass'],
    ['GET', '/', {}, 'pass'],
  ]);
});

test('refused and overlong targets', () => {
  expectAll({ maxTargetLength: 64 }, [
    ['GET', '/latest/meta-data/iam%2fsecurity-credentials/', {}, 400],
    ['GET', '/latest\\meta-data', {}, 400],
    ['GET', '/a%00', {}, 400],
    ['PUT', '/latest%2fapi/token', { 'x-aws-ec2-metadata-token-ttl-seconds': '60' }, 400],
    ['GET', '/' + 'a'.repeat(64), {}, 414],
  ]);
});

test('pass: the normalized path and the query, apart', () => {
  assert.deepEqual(gate().check('GET', '//latest/./meta-data/%69am/../instance-id?x=1&y=z', {}, CALLER), {
    kind: 'pass',
    path: '/latest/meta-data/instance-id',
    query: 'x=1&y=z',
    route: { kind: 'passthrough' },
  });
});

test('deny list: matching paths are 404, for every spelling', () => {
  expectAll({ denyPaths: ['/*/user-data', '/latest/meta-data/tags/**'] }, [
    ['GET', '/latest/user-data', {}, 404],
    ['GET', '/2009-04-04/user-data', {}, 404],
    ['GET', '/latest//user-data', {}, 404],
    ['GET', '/latest/%75ser-data', {}, 404],
    ['GET', '/latest/meta-data/../user-data', {}, 404],
    ['GET', '/LATEST/USER-DATA', {}, 404],
    ['GET', '/latest/meta-data/tags/instance/Name', {}, 404],
    ['GET', '/latest/user-data/', {}, 'pass'],
    ['GET', '/latest/meta-data/tags', {}, 'pass'],
    ['GET', '/latest/meta-data/instance-id', {}, 'pass'],
  ]);
});

test('allow list: only matching paths, plus our own routes', () => {
  expectAll({ allowPaths: ['/latest/meta-data/placement/**', '/latest/meta-data/instance-id'], denyPaths: ['/latest/meta-data/placement/region'] }, [
    ['GET', '/latest/meta-data/instance-id', {}, 'pass'],
    ['GET', '/latest/meta-data/placement/availability-zone', {}, 'pass'],
    ['GET', '/latest/meta-data/placement/region', {}, 404],
    ['GET', '/latest/meta-data/ami-id', {}, 404],
    ['GET', '/latest/user-data', {}, 404],
    ['GET', '/', {}, 404],
    // IAM routes and the token endpoint are always ours
    ['GET', '/latest/meta-data/iam/security-credentials/', {}, 'pass'],
    ['GET', '/latest/meta-data/iam/security-credentials/app', {}, 'pass'],
    ['GET', '/latest/meta-data/iam/info', {}, 'pass'],
    ['GET', '/2016-09-02/meta-data/iam/info', {}, 'pass'],
    ['PUT', '/latest/api/token', { 'x-aws-ec2-metadata-token-ttl-seconds': '60' }, 200],
    // host-only stays refused
    ['GET', '/latest/meta-data/identity-credentials/ec2/info', {}, 404],
  ]);
});

test('an unusable pattern stops gate creation', () => {
  assert.throws(() => gate({ denyPaths: ['user-data'] }), /must start with \//);
  assert.throws(() => gate({ allowPaths: ['/a b'] }), /must not contain/);
});

test('errors are IMDS-style pages; 404 is byte for byte the IMDS page', () => {
  const notFound = gate().check('GET', '/latest/meta-data/identity-credentials/', {}, CALLER);
  assert.ok(notFound.kind === 'reply');
  assert.deepEqual(notFound.body, imdsErrorPage(404));
  assert.equal(notFound.headers?.['content-type'], 'text/html');
  assert.equal(
    imdsErrorPage(404).toString(),
    '<?xml version="1.0" encoding="iso-8859-1"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"\n' +
      '\t"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n' +
      '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">\n <head>\n  <title>404 - Not Found</title>\n' +
      ' </head>\n <body>\n  <h1>404 - Not Found</h1>\n </body>\n</html>\n',
  );
  assert.match(imdsErrorPage(401).toString(), /<title>401 - Unauthorized<\/title>/);
});
