// The container-credentials listener over real sockets: the answer SDKs expect, found by the caller's
// address through the same identity, roles and credential cache as IMDS (one STS call serves both),
// per-container authorization tokens, and JSON errors with Code and Message. The real SDK providers
// (fromHttp and fromContainerMetadata) read it through a full URI on loopback, which both accept.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import { fromContainerMetadata } from '@smithy/credential-provider-imds';
import { requestFrom, startHarness, TEST_ACCOUNT, type Harness } from '../helpers/proxy-harness.js';

const CREDS = '/latest/meta-data/iam/security-credentials/';
const arn = (name: string) => `arn:aws:iam::${TEST_ACCOUNT}:role/${name}`;

describe('container-credentials listener', () => {
  let h: Harness;
  let url: string;
  const get = (caller: string, path = '/v1/credentials', headers?: Record<string, string>) => requestFrom(url, caller, path, { headers });
  const json = (body: string) => JSON.parse(body) as Record<string, string>;

  before(async () => {
    h = await startHarness({
      env: { CONTAINER_CREDENTIALS_PORT: '0', ROLE_CHAINING: 'true' },
      mappings: {
        '127.0.0.1': 'sdk-reader',
        '127.0.0.2': 'reader',
        '127.0.0.3': { name: 'guarded', authorization_token: 'Bearer tok-3' },
        '127.0.0.4': { name: 'too-long', session_duration: 7200 },
      },
    });
    url = h.proxy.containerCredentialsUrl!;
  });
  after(() => h.close());

  test('GET /v1/credentials: AccessKeyId, SecretAccessKey, Token, Expiration (RFC 3339), AccountId, RoleArn of the caller\'s role', async () => {
    const r = await get('127.0.0.2');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    const body = json(r.body);
    assert.deepEqual(Object.keys(body), ['AccessKeyId', 'SecretAccessKey', 'Token', 'Expiration', 'AccountId', 'RoleArn']);
    assert.match(body.AccessKeyId!, /^ASIA/);
    assert.match(body.Expiration!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.equal(body.AccountId, TEST_ACCOUNT);
    assert.equal(body.RoleArn, arn('reader'));
  });

  test('every path under /v1/credentials and /v2/credentials is the same route; others get 404 JSON, other methods 405', async () => {
    const key = json((await get('127.0.0.2')).body).AccessKeyId;
    for (const path of ['/v1/credentials/', '/v1/credentials?x=1', '/v2/credentials/5a2c3d4e-task', '/v2/credentials/a/b', '/v1/credentials/x/y']) {
      const r = await get('127.0.0.2', path);
      assert.equal(r.status, 200, path);
      assert.equal(json(r.body).AccessKeyId, key, path);
    }
    for (const path of ['/', '/v1/credential', '/v3/credentials', '/latest/meta-data/iam/security-credentials/reader']) {
      const r = await get('127.0.0.2', path);
      assert.equal(r.status, 404, path);
      assert.equal(json(r.body).Code, 'NotFound');
    }
    const post = await requestFrom(url, '127.0.0.2', '/v1/credentials', { method: 'POST', body: '' });
    assert.equal(post.status, 405);
    assert.equal(json(post.body).Code, 'MethodNotAllowed');
  });

  test('IMDS and this endpoint share one cached set of credentials: one STS call for both', async () => {
    const viaImds = json((await h.get('127.0.0.2', `${CREDS}reader`)).body).AccessKeyId;
    const viaContainer = json((await get('127.0.0.2')).body).AccessKeyId;
    assert.equal(viaImds, viaContainer);
    assert.equal(h.aws.calls.filter((c) => c.action === 'AssumeRole' && c.params.RoleArn === arn('reader')).length, 1);
  });

  test('an unknown caller gets 404 JSON; a caller with a role STS rules refuse gets 404 with the reason', async () => {
    const unknown = await get('127.0.0.9');
    assert.equal(unknown.status, 404);
    assert.deepEqual(json(unknown.body), { Code: 'NotFound', Message: 'no container is known at this address' });
    const refused = await get('127.0.0.4');
    assert.equal(refused.status, 404);
    assert.equal(json(refused.body).Code, 'InvalidSessionParameters');
    assert.match(json(refused.body).Message!, /session duration 7200/);
  });

  test('a caller with an authorization token must send exactly it: otherwise 401 JSON', async () => {
    for (const headers of [undefined, { authorization: 'Bearer tok-' }, { authorization: 'Bearer tok-33' }, { authorization: 'bearer tok-3' }]) {
      const r = await get('127.0.0.3', '/v1/credentials', headers);
      assert.equal(r.status, 401, JSON.stringify(headers));
      assert.equal(json(r.body).Code, 'Unauthorized');
      assert.ok(!r.body.includes('tok-3'), 'the token is never echoed');
    }
    const ok = await get('127.0.0.3', '/v1/credentials', { authorization: 'Bearer tok-3' });
    assert.equal(ok.status, 200);
    assert.equal(json(ok.body).RoleArn, arn('guarded'));
  });

  test('an STS failure is 503 JSON with STS\'s Code and Message', async () => {
    h.aws.failWith({ status: 500, code: 'ServiceUnavailable', message: 'try later' });
    try {
      h.writeMappings({ '127.0.0.5': 'fresh-role' });
      await h.proxy.reload();
      const r = await get('127.0.0.5');
      assert.equal(r.status, 503);
      assert.equal(json(r.body).Code, 'ServiceUnavailable');
      assert.equal(json(r.body).Message, 'try later');
    } finally {
      h.aws.clearFailures();
    }
  });

  test('the real SDK providers read it: fromHttp and fromContainerMetadata with a full URI, with and without a token', async () => {
    h.writeMappings({ '127.0.0.1': 'sdk-reader' });
    await h.proxy.reload();
    const full = `${url}/v1/credentials`;
    const viaHttp = await fromHttp({ awsContainerCredentialsFullUri: full })();
    const viaMetadata = await withEnv({ AWS_CONTAINER_CREDENTIALS_FULL_URI: full }, () => fromContainerMetadata()());
    assert.equal(viaHttp.accessKeyId, viaMetadata.accessKeyId);
    assert.ok(viaHttp.expiration instanceof Date);
    assert.ok(h.aws.calls.some((c) => c.params.RoleArn === arn('sdk-reader')));

    h.writeMappings({ '127.0.0.1': { name: 'sdk-guarded', authorization_token: 'sdk-token' } });
    await h.proxy.reload();
    const guarded = await fromHttp({ awsContainerCredentialsFullUri: full, awsContainerAuthorizationToken: 'sdk-token' })();
    assert.ok(h.aws.calls.some((c) => c.params.RoleArn === arn('sdk-guarded')));
    assert.notEqual(guarded.accessKeyId, viaHttp.accessKeyId);
    await assert.rejects(fromHttp({ awsContainerCredentialsFullUri: full, awsContainerAuthorizationToken: 'wrong', maxRetries: 0 })(), /status: 401/);
  });
});

/** fromContainerMetadata reads only the environment. */
async function withEnv<T>(vars: Record<string, string>, body: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await body();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
