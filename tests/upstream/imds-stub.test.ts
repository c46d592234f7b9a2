// The IMDS stub other suites rely on: its leak detector must see every spelling of a host-only path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { assertNoHostSecretRequests, isHostSecretTarget, startImdsStub } from '../helpers/imds-stub.js';

test('host-only targets are recognised in any version, case, encoding, lookalike or place', () => {
  for (const path of [
    '/latest/meta-data/iam/security-credentials/role',
    '/2012-01-12/meta-data/IAM/info',
    '/1.0/meta-data/iam',
    '/latest/meta-data/identity-credentials/ec2/security-credentials/ec2-instance',
    '/latest/meta-data/%69am/info',
    '/latest/meta-data/%2569am/info',
    '/latest/meta-data%2Fiam%2Finfo',
    '/latest\\meta-data\\iam\\info',
    '/latest/meta-data/iam;/security-credentials/',
    '/latest/meta-data/iamx',
    '/latest/meta-data/xIAM.',
    '/latest/meta-data/identity-credentials;/ec2',
    '/latest/meta-data/\uff49\uff41\uff4d/info',
    '/latest/meta-data/%EF%BD%89%EF%BD%81%EF%BD%8D/info',
    '/latest/meta-data/\u0131am/info',
    '/latest/meta-data/%C4%B1am/info',
    '/latest/meta-data/i\u200bam/info',
    '/latest/meta-data/i%E2%80%8Bam/info',
    '/latest/meta-data/instance-id?x=%49AM',
    'http://169.254.169.254/latest/meta-data/instance-id?identity-credentials',
  ]) {
    assert.ok(isHostSecretTarget(path), path);
  }
  for (const path of ['/latest/meta-data/instance-id', '/latest/meta-data/ia-m', '/latest/dynamic/instance-identity/document?x=1']) {
    assert.ok(!isHostSecretTarget(path), path);
  }
});

test('serves the marker on host-only paths and in its tokens, and records every request', async (t) => {
  const stub = await startImdsStub();
  t.after(() => stub.close());
  const secret = await request(`${stub.url}/latest/meta-data/iam/security-credentials/host-role`);
  assert.match(await secret.body.text(), new RegExp(stub.marker));
  const put = await request(`${stub.url}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' } });
  const token = await put.body.text();
  assert.ok(token.includes(stub.marker));
  assert.equal(put.headers['x-aws-ec2-metadata-token-ttl-seconds'], '60');
  assert.deepEqual(stub.issuedTokens, [token]);
  assert.deepEqual(
    stub.requests.map((r) => [r.method, r.path]),
    [
      ['GET', '/latest/meta-data/iam/security-credentials/host-role'],
      ['PUT', '/latest/api/token'],
    ],
  );
  assert.throws(() => assertNoHostSecretRequests(stub), /host-only paths/);
});

test('requireToken: 401 without a token or with a revoked one, 200 with a valid one', async (t) => {
  const stub = await startImdsStub({ requireToken: true });
  t.after(() => stub.close());
  const get = async (token?: string) => {
    const answer = await request(`${stub.url}/latest/meta-data/ami-id`, { headers: token ? { 'x-aws-ec2-metadata-token': token } : {} });
    await answer.body.dump();
    return answer.statusCode;
  };
  assert.equal(await get(), 401);
  const put = await request(`${stub.url}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' } });
  const token = await put.body.text();
  assert.equal(await get(token), 200);
  assert.equal(await get('made-up'), 401);
  stub.revokeTokens();
  assert.equal(await get(token), 401);
  assertNoHostSecretRequests(stub);
});

test('refuses a token PUT carrying X-Forwarded-For, and can play an upstream without tokens', async (t) => {
  const stub = await startImdsStub();
  const v1 = await startImdsStub({ tokens: 405 });
  t.after(async () => {
    await stub.close();
    await v1.close();
  });
  const putStatus = async (url: string, headers: Record<string, string>) => {
    const answer = await request(`${url}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60', ...headers } });
    await answer.body.dump();
    return answer.statusCode;
  };
  assert.equal(await putStatus(stub.url, { 'x-forwarded-for': '10.0.0.1' }), 403);
  assert.equal(await putStatus(v1.url, {}), 405);
  assert.deepEqual(stub.issuedTokens, []);
});
