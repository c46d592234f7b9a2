// IPv6 end to end over real sockets: listeners on IPv6 (HOST=:: and a HOST list), callers told apart by
// their IPv6 address (IPv4-mapped forms normalised), IMDSv2 tokens bound to an IPv6 caller, and an IPv6
// upstream (METADATA_URL=http://[::1]:PORT). ::1 and 127.0.0.x are the distinct callers this host has.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { requestFrom, startHarness, type Harness } from '../helpers/proxy-harness.js';
import { assertNoHostSecretRequests } from '../helpers/imds-stub.js';

const CREDS = '/latest/meta-data/iam/security-credentials/';
const TOKEN = '/latest/api/token';

async function token(h: Harness, caller: string): Promise<string> {
  const answer = await h.request(caller, TOKEN, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' } });
  assert.equal(answer.status, 200);
  return answer.body;
}

describe('HOST=:: (both families on one socket)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      env: { HOST: '::', HTTP_TOKENS: 'required' },
      // Written as people write them: upper case, uncompressed, IPv4-mapped.
      mappings: { '0:0:0:0:0:0:0:1': 'six', '127.0.0.1': 'four', '::FFFF:127.0.0.2': 'mapped' },
      imds: { host: '::1' },
    });
  });
  after(() => h.close());

  test('an IPv6 caller and IPv4 callers (seen as ::ffff:a.b.c.d) each get their own role, and only theirs', async () => {
    assert.equal(h.proxy.url.startsWith('http://[::]:'), true);
    for (const [caller, role] of [['::1', 'six'], ['127.0.0.1', 'four'], ['127.0.0.2', 'mapped']] as const) {
      const headers = { 'x-aws-ec2-metadata-token': await token(h, caller) };
      assert.equal((await h.get(caller, CREDS, headers)).body, role, caller);
      assert.equal((await h.get(caller, CREDS + role, headers)).status, 200, caller);
      for (const other of ['six', 'four', 'mapped'].filter((r) => r !== role)) {
        assert.equal((await h.get(caller, CREDS + other, headers)).status, 404, `${caller} asking for ${other}`);
      }
    }
  });

  test("a token is bound to its IPv6 caller: another caller's token is refused either way", async () => {
    const six = await token(h, '::1');
    const four = await token(h, '127.0.0.1');
    assert.equal((await h.get('::1', CREDS, { 'x-aws-ec2-metadata-token': six })).status, 200);
    assert.equal((await h.get('127.0.0.1', CREDS, { 'x-aws-ec2-metadata-token': six })).status, 401);
    assert.equal((await h.get('::1', CREDS, { 'x-aws-ec2-metadata-token': four })).status, 401);
  });

  test('passes non-IAM routes through to an IPv6 upstream, and never an IAM path', async () => {
    assert.match(h.imds.url, /^http:\/\/\[::1\]:\d+$/);
    assert.equal(h.config.metadataUrl, h.imds.url);
    const headers = { 'x-aws-ec2-metadata-token': await token(h, '::1') };
    const answer = await h.get('::1', '/latest/meta-data/instance-id', headers);
    assert.equal(answer.status, 200);
    assert.equal(answer.body, 'upstream GET /latest/meta-data/instance-id');
    assertNoHostSecretRequests(h.imds);
  });
});

describe('HOST as a list of addresses', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ env: { HOST: '127.0.0.1, ::1' }, mappings: { '::1': 'six', '127.0.0.1': 'four' } });
  });
  after(() => h.close());

  test('listens on each address, on the same port, and serves each family its own callers', async () => {
    const port = h.proxy.port;
    assert.deepEqual(h.proxy.urls, [`http://127.0.0.1:${port}`, `http://[::1]:${port}`]);
    assert.equal((await requestFrom(h.proxy.urls[0]!, '127.0.0.1', CREDS)).body, 'four');
    assert.equal((await requestFrom(h.proxy.urls[1]!, '::1', CREDS)).body, 'six');
    assert.equal((await requestFrom(h.proxy.urls[1]!, '::1', `${CREDS}four`)).status, 404);
  });
});
