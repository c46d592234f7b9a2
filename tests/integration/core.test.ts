// The core promise end to end over real sockets: each caller address gets its own role's credentials from
// STS (a fake speaking AWS's protocol, called by the real SDK), everything else reaches the upstream, and
// no IAM path ever does.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startHarness, TEST_ACCOUNT, type Harness } from '../helpers/proxy-harness.js';
import { assertNoHostSecretRequests } from '../helpers/imds-stub.js';
import { eventually } from '../helpers/eventually.js';
import { recordingLogger } from '../helpers/recording-logger.js';

const CREDS = '/latest/meta-data/iam/security-credentials/';

function parseCredentials(body: string) {
  const parsed = JSON.parse(body) as Record<string, string>;
  assert.equal(parsed.Code, 'Success');
  assert.equal(parsed.Type, 'AWS-HMAC');
  assert.match(parsed.AccessKeyId!, /^ASIA[A-Z2-7]{16}$/);
  assert.match(parsed.Expiration!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  assert.match(parsed.LastUpdated!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  return parsed;
}

describe('mapped callers', () => {
  let h: Harness;
  const log = recordingLogger();
  before(async () => {
    h = await startHarness({
      deps: { logger: log.logger },
      mappings: {
        '127.0.0.2': 'reader',
        '127.0.0.3': { name: 'writer', account_id: '210987654321', external_id: 'ext-123', session_name: 'writer session!', policy: { Version: '2012-10-17', Statement: [] } },
        '127.0.0.4': 'arn:aws:iam::123456789012:role/team/pathed',
      },
    });
  });
  after(() => h.close());

  test('each caller lists and reads only its own role', async () => {
    assert.equal((await h.get('127.0.0.2', CREDS)).body, 'reader');
    assert.equal((await h.get('127.0.0.3', CREDS)).body, 'writer');
    assert.equal((await h.get('127.0.0.4', CREDS)).body, 'pathed');

    const reader = await h.get('127.0.0.2', `${CREDS}reader`);
    assert.equal(reader.status, 200);
    assert.equal(reader.headers['content-type'], 'text/plain');
    // Like IMDS: a Content-Length, not chunked; and our request id for the logs.
    assert.equal(reader.headers['content-length'], String(Buffer.byteLength(reader.body)));
    assert.equal(reader.headers['transfer-encoding'], undefined);
    assert.match(String(reader.headers['x-request-id']), /^[\w.:-]+$/);
    const creds = parseCredentials(reader.body);
    const issued = h.aws.calls.find((c) => c.params.RoleArn === `arn:aws:iam::${TEST_ACCOUNT}:role/reader`);
    assert.ok(issued, 'AssumeRole was called for the reader role');
    assert.notEqual(creds.AccessKeyId, parseCredentials((await h.get('127.0.0.3', `${CREDS}writer`)).body).AccessKeyId);
  });

  test('AssumeRole carries the mapping entry: account, external id, sanitized session name, policy', async () => {
    await h.get('127.0.0.3', `${CREDS}writer`);
    const call = h.aws.calls.find((c) => c.action === 'AssumeRole' && c.params.RoleArn === 'arn:aws:iam::210987654321:role/writer');
    assert.ok(call);
    assert.equal(call.params.ExternalId, 'ext-123');
    assert.match(call.params.RoleSessionName!, /^[\w+=,.@-]{2,64}$/);
    assert.deepEqual(JSON.parse(call.params.Policy!), { Version: '2012-10-17', Statement: [] });
  });

  test('a role with a path is listed by its name and served', async () => {
    const r = await h.get('127.0.0.4', `${CREDS}pathed`);
    assert.equal(r.status, 200);
    const info = JSON.parse((await h.get('127.0.0.4', '/latest/meta-data/iam/info')).body) as Record<string, string>;
    assert.equal(info.InstanceProfileArn, 'arn:aws:iam::123456789012:instance-profile/team/pathed');
  });

  test("asking for another caller's role, or from an unknown address, is 404", async () => {
    assert.equal((await h.get('127.0.0.2', `${CREDS}writer`)).status, 404);
    assert.equal((await h.get('127.0.0.3', `${CREDS}reader`)).status, 404);
    assert.equal((await h.get('127.0.0.9', CREDS)).status, 404);
    assert.equal((await h.get('127.0.0.9', `${CREDS}reader`)).status, 404);
    assert.equal((await h.get('127.0.0.9', '/latest/meta-data/iam/info')).status, 404);
  });

  test('trailing junk and encoded tricks stay ours and never leak', async () => {
    for (const path of [
      `${CREDS}reader/`,
      `${CREDS}reader/extra`,
      `${CREDS}reader/..`,
      `${CREDS}reader%2f..%2f..%2fwriter`,
      `${CREDS}..%2fsecurity-credentials%2fwriter`,
      '/latest/meta-data/iam/security-credentials/%2e%2e/%2e%2e/identity-credentials/ec2/security-credentials/ec2-instance',
      '/latest/meta-data/./iam/security-credentials/writer',
      '/latest//meta-data//iam//security-credentials//writer',
      '/2011-01-01/meta-data/iam/security-credentials/',
      '/latest/meta-data/identity-credentials/ec2/security-credentials/ec2-instance',
      '/latest/meta-data/IAM/security-credentials/',
    ]) {
      const r = await h.get('127.0.0.2', path);
      assert.ok(!r.body.includes(h.imds.marker), `${path} leaked the host secret`);
      // `reader/..` normalizes to the listing, which is the caller's own role name.
      const ownAnswer = r.status === 200 && (path === `${CREDS}reader/` || r.body === 'reader');
      assert.ok(r.status === 404 || r.status === 400 || ownAnswer, `${path} → ${r.status}`);
    }
    assertNoHostSecretRequests(h.imds);
  });

  test('the redirect keeps the version', async () => {
    const r = await h.get('127.0.0.2', '/2016-09-02/meta-data/iam/security-credentials');
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, '/2016-09-02/meta-data/iam/security-credentials/');
  });

  test('other routes pass through with method, path and query; old API versions too', async () => {
    const r = await h.get('127.0.0.2', '/latest/meta-data/instance-id?x=1');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'upstream GET /latest/meta-data/instance-id?x=1');
    assert.equal((await h.get('127.0.0.9', '/1.0/meta-data/ami-id')).body, 'upstream GET /1.0/meta-data/ami-id');
    assertNoHostSecretRequests(h.imds);
  });

  test('a mapping file edit is picked up without a restart; a broken edit keeps the last good mapping', async () => {
    h.writeMappings({ '127.0.0.2': 'reader', '127.0.0.5': 'newcomer' });
    for (let i = 0; i < 100 && (await h.get('127.0.0.5', CREDS)).status !== 200; i++) await sleep(50);
    assert.equal((await h.get('127.0.0.5', CREDS)).body, 'newcomer');
    assert.equal((await h.get('127.0.0.3', CREDS)).status, 404, 'removed from the file');

    // The refusal is the event that proves the broken edit was read: without it, "nothing changed" proves nothing.
    const refusals = () => log.lines.filter((l) => l.msg === 'ROLE_MAPPING_FILE not reloaded; keeping the last good mapping').length;
    const before = refusals();
    h.writeMappings({ '127.0.0.2': 'reader' } as never);
    await import('node:fs').then((fs) => fs.writeFileSync(h.mappingFile, '{ not json'));
    await eventually(() => refusals() > before, 'the broken edit is read and refused');
    assert.equal((await h.get('127.0.0.5', CREDS)).body, 'newcomer', 'last good mapping kept');
  });
});

// Unmapped callers on DEFAULT_ROLE: nothing is prefetched for them, so their first requests are cold.
describe('STS economy and failures', () => {
  test('200 concurrent cold requests from 20 callers on one role → one AssumeRole', async () => {
    const h = await startHarness({ env: { DEFAULT_ROLE: 'shared' } });
    try {
      h.aws.delayMs = 50;
      const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => h.get(`127.0.1.${(i % 20) + 1}`, `${CREDS}shared`)));
      assert.ok(replies.every((r) => r.status === 200));
      assert.equal(new Set(replies.map((r) => JSON.parse(r.body).AccessKeyId)).size, 1);
      assert.equal(h.aws.count('AssumeRole'), 1);
    } finally {
      await h.close();
    }
  });

  test('STS AccessDenied → 404', async () => {
    const h = await startHarness({ env: { DEFAULT_ROLE: 'denied' } });
    try {
      h.aws.failWith({ status: 403, code: 'AccessDenied', message: 'not authorized to perform sts:AssumeRole' });
      assert.equal((await h.get('127.0.0.2', `${CREDS}denied`)).status, 404);
      assert.equal((await h.get('127.0.0.2', CREDS)).body, 'denied', 'the role name is still listed');
    } finally {
      await h.close();
    }
  });

  test('STS throttling with nothing cached → 503, and the next request after recovery succeeds', async () => {
    const h = await startHarness({ env: { DEFAULT_ROLE: 'busy' } });
    try {
      h.aws.throttle();
      assert.equal((await h.get('127.0.0.2', `${CREDS}busy`)).status, 503);
      h.aws.clearFailures();
      let status = 0;
      for (let i = 0; i < 60 && status !== 200; i++) {
        status = (await h.get('127.0.0.2', `${CREDS}busy`)).status;
        if (status !== 200) await sleep(100);
      }
      assert.equal(status, 200);
    } finally {
      await h.close();
    }
  });
});

describe('default role', () => {
  test('callers without a role get DEFAULT_ROLE when it is set, and 404 when it is not', async () => {
    const h = await startHarness({ env: { DEFAULT_ROLE: 'fallback' }, mappings: { '127.0.0.2': 'own' } });
    try {
      assert.equal((await h.get('127.0.0.2', CREDS)).body, 'own');
      assert.equal((await h.get('127.0.0.7', CREDS)).body, 'fallback');
      assert.equal((await h.get('127.0.0.7', `${CREDS}fallback`)).status, 200);
      assert.equal((await h.get('127.0.0.7', `${CREDS}own`)).status, 404);
    } finally {
      await h.close();
    }
  });
});

describe('role names without an account', () => {
  test('are resolved once through iam:GetRole', async () => {
    const h = await startHarness({ env: { DEFAULT_ACCOUNT_ID: '' }, mappings: { '127.0.0.2': 'lookup-me', '127.0.0.3': 'lookup-me' } });
    try {
      h.aws.addRole('arn:aws:iam::555555555555:role/svc/lookup-me');
      const [a, b] = await Promise.all([h.get('127.0.0.2', `${CREDS}lookup-me`), h.get('127.0.0.3', `${CREDS}lookup-me`)]);
      assert.equal(a.status, 200);
      assert.equal(b.status, 200);
      assert.ok(h.aws.calls.some((c) => c.action === 'AssumeRole' && c.params.RoleArn === 'arn:aws:iam::555555555555:role/svc/lookup-me'));
      assert.ok(h.aws.count('GetRole') <= 1, `GetRole called ${h.aws.count('GetRole')} times`);
    } finally {
      await h.close();
    }
  });
});
