import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { silentLogger } from '../../src/observability/logger.js';
import { createPassthrough, type PassthroughOptions } from '../../src/upstream/passthrough.js';
import { assertNoHostSecretRequests, startImdsStub, type ImdsStubOptions } from '../helpers/imds-stub.js';
import { eventually } from '../helpers/eventually.js';
import { recordingMetrics } from '../helpers/recording-metrics.js';
import { manualClock, mount } from './harness.js';

const SIX_HOURS = 6 * 3_600_000;

async function setup(t: TestContext, stubOptions: ImdsStubOptions = {}, options: Partial<PassthroughOptions> = {}) {
  const stub = await startImdsStub(stubOptions);
  const metrics = recordingMetrics();
  const clock = manualClock();
  const backend = createPassthrough({ metadataUrl: stub.url, logger: silentLogger, metrics, clock, timeoutMs: 5000, ...options });
  const proxy = await mount(backend);
  t.after(async () => {
    await proxy.close();
    await backend.close();
    await stub.close();
  });

  async function call(path: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}) {
    const answer = await request(proxy.url + path, { method: (init.method ?? 'GET') as 'GET', headers: init.headers, body: init.body });
    return { status: answer.statusCode, headers: answer.headers, body: Buffer.from(await answer.body.arrayBuffer()) };
  }
  const upstreamRequests = (path: string) => stub.requests.filter((r) => r.path === path);
  const tokenPuts = () => stub.requests.filter((r) => r.method === 'PUT' && r.path === '/latest/api/token');
  return { stub, proxy, metrics, clock, call, upstreamRequests, tokenPuts };
}

/** A port on 127.0.0.1 where nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('keeps method, path, query, status, content type and a binary body', async (t) => {
  const binary = randomBytes(4096);
  const { call, stub, proxy } = await setup(t, {
    routes: { '/latest/meta-data/blob': { status: 203, contentType: 'application/octet-stream', body: binary } },
  });
  const answer = await call('/latest/meta-data/blob?a=1&b=x');
  assert.equal(answer.status, 203);
  assert.equal(answer.headers['content-type'], 'application/octet-stream');
  assert.deepEqual(answer.body, binary);
  const seen = stub.requests.at(-1)!;
  assert.deepEqual([seen.method, seen.path, seen.query], ['GET', '/latest/meta-data/blob', 'a=1&b=x']);
  assert.deepEqual(proxy.failures, []);
});

test('streams a large body unchanged', async (t) => {
  const large = randomBytes(8 * 1024 * 1024);
  const { call } = await setup(t, { routes: { '/latest/user-data': { body: large, contentType: 'application/octet-stream' } } });
  const answer = await call('/latest/user-data');
  assert.equal(answer.status, 200);
  assert.equal(answer.body.length, large.length);
  assert.ok(answer.body.equals(large));
});

test('passes 404 and other statuses through with their bodies', async (t) => {
  const { call } = await setup(t, { routes: { '/latest/meta-data/gone': { status: 404, contentType: 'text/html', body: '<h1>404</h1>' } } });
  const answer = await call('/latest/meta-data/gone');
  assert.equal(answer.status, 404);
  assert.equal(answer.headers['content-type'], 'text/html');
  assert.equal(answer.body.toString(), '<h1>404</h1>');
});

test('HEAD answers the headers only', async (t) => {
  const { call, stub } = await setup(t, { routes: { '/latest/meta-data/ami-id': { body: 'ami-12345678' } } });
  const answer = await call('/latest/meta-data/ami-id', { method: 'HEAD' });
  assert.equal(answer.status, 200);
  assert.equal(answer.headers['content-length'], '12');
  assert.equal(answer.body.length, 0);
  assert.equal(stub.requests.at(-1)!.method, 'HEAD');
});

test('forwards the request body of methods that have one', async (t) => {
  const { call, stub } = await setup(t);
  const answer = await call('/latest/some/endpoint', { method: 'POST', body: 'hello upstream', headers: { 'content-type': 'text/plain' } });
  assert.equal(answer.status, 200);
  const seen = stub.requests.at(-1)!;
  assert.equal(seen.method, 'POST');
  assert.equal(seen.body.toString(), 'hello upstream');
  assert.equal(seen.headers['content-type'], 'text/plain');
});

test('does not follow redirects: 301 and its Location reach the caller', async (t) => {
  const { call, upstreamRequests } = await setup(t, {
    routes: { '/latest/meta-data/dir': { status: 301, headers: { location: 'http://169.254.169.254/latest/meta-data/dir/' } } },
  });
  const answer = await call('/latest/meta-data/dir');
  assert.equal(answer.status, 301);
  assert.equal(answer.headers.location, 'http://169.254.169.254/latest/meta-data/dir/');
  assert.equal(upstreamRequests('/latest/meta-data/dir').length, 1);
  assert.equal(upstreamRequests('/latest/meta-data/dir/').length, 0);
});

test('an upstream that never answers → 504, not a hang', async (t) => {
  const { call, metrics, proxy } = await setup(t, { routes: { '/latest/meta-data/slow': { hang: 'headers' } } }, { timeoutMs: 300 });
  const answer = await call('/latest/meta-data/slow');
  assert.equal(answer.status, 504);
  assert.ok(metrics.upstreamStatuses.includes(504));
  assert.deepEqual(proxy.failures, []);
});

test('an upstream that stalls mid-body → the caller sees a cut-off answer, the proxy keeps serving', async (t) => {
  const { call, proxy } = await setup(t, { routes: { '/latest/meta-data/stall': { hang: 'body', body: 'abcdefgh' } } }, { timeoutMs: 300 });
  await assert.rejects(call('/latest/meta-data/stall'));
  assert.equal((await call('/latest/meta-data/instance-id')).status, 200);
  await eventually(() => proxy.inFlight() === 0, 'the stalled exchange to end');
  assert.deepEqual(proxy.failures, []);
});

test('an unreachable upstream (refused port) → 502', async (t) => {
  const port = await closedPort();
  const { call, metrics, proxy } = await setup(t, {}, { metadataUrl: `http://127.0.0.1:${port}` });
  const answer = await call('/latest/meta-data/instance-id');
  assert.equal(answer.status, 502);
  assert.ok(metrics.upstreamStatuses.every((status) => status === 502));
  assert.deepEqual(proxy.failures, []);
});

test('an upstream that resets the connection → 502', async (t) => {
  const { call, proxy } = await setup(t, { routes: { '/latest/meta-data/reset': { reset: true } } });
  const answer = await call('/latest/meta-data/reset');
  assert.equal(answer.status, 502);
  assert.equal((await call('/latest/meta-data/instance-id')).status, 200);
  assert.deepEqual(proxy.failures, []);
});

test('a client leaving before or during the answer crashes nothing and releases the exchange', async (t) => {
  const { call, stub, proxy, upstreamRequests } = await setup(
    t,
    { routes: { '/latest/meta-data/slow': { hang: 'headers' }, '/latest/meta-data/stall': { hang: 'body', body: 'abcdefgh' } } },
  );
  const waiting = httpRequest(`${proxy.url}/latest/meta-data/slow`);
  waiting.on('error', () => {});
  waiting.end();
  await eventually(() => upstreamRequests('/latest/meta-data/slow').length === 1, 'the upstream to see the request');
  waiting.destroy();

  const reading = httpRequest(`${proxy.url}/latest/meta-data/stall`, (res) => res.destroy());
  reading.on('error', () => {});
  reading.end();

  await eventually(() => proxy.inFlight() === 0, 'both exchanges to end');
  assert.equal((await call('/latest/meta-data/instance-id')).status, 200);
  assert.deepEqual(proxy.failures, []);
  assert.ok(stub.requests.length >= 3);
});

test('reuses one keep-alive connection for sequential requests', async (t) => {
  const { call, stub } = await setup(t);
  for (let i = 0; i < 10; i++) assert.equal((await call(`/latest/meta-data/item-${i}`)).status, 200);
  const gets = stub.requests.filter((r) => r.method === 'GET');
  assert.equal(new Set(gets.slice(1).map((r) => r.connection)).size, 1);
});

/** node:http rather than undici: undici manages the Connection header itself. */
function rawGet(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

test('never forwards the caller token, token TTL, X-Forwarded-For or hop-by-hop headers', async (t) => {
  const { stub, proxy, upstreamRequests } = await setup(t);
  const status = await rawGet(`${proxy.url}/latest/meta-data/instance-id`, {
    'x-aws-ec2-metadata-token': 'container-token',
    'x-aws-ec2-metadata-token-ttl-seconds': '60',
    'x-forwarded-for': '10.1.2.3',
    forwarded: 'for=10.1.2.3',
    connection: 'keep-alive, x-hop',
    'x-hop': 'private',
    'user-agent': 'aws-sdk-test',
  });
  assert.equal(status, 200);
  const [seen] = upstreamRequests('/latest/meta-data/instance-id');
  assert.equal(seen!.headers['x-aws-ec2-metadata-token'], stub.issuedTokens[0]);
  for (const name of ['x-aws-ec2-metadata-token-ttl-seconds', 'x-forwarded-for', 'forwarded', 'x-hop']) {
    assert.equal(seen!.headers[name], undefined, name);
  }
  assert.equal(seen!.headers['user-agent'], 'aws-sdk-test');
  assert.ok(stub.requests.every((r) => r.headers['x-aws-ec2-metadata-token'] !== 'container-token'));
});

test('with an upstream without tokens, the caller token is not forwarded either', async (t) => {
  const { call, stub } = await setup(t, { tokens: 404 });
  assert.equal((await call('/latest/meta-data/instance-id', { headers: { 'x-aws-ec2-metadata-token': 'container-token' } })).status, 200);
  assert.equal(stub.requests.at(-1)!.headers['x-aws-ec2-metadata-token'], undefined);
});

test('obtains one upstream token and reuses it across many concurrent and later requests', async (t) => {
  const { call, stub, tokenPuts } = await setup(t, { requireToken: true });
  const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => call(`/latest/meta-data/c${i}`)));
  assert.ok(answers.every((a) => a.status === 200));
  for (let i = 0; i < 5; i++) assert.equal((await call('/latest/meta-data/again')).status, 200);
  assert.equal(tokenPuts().length, 1);
  assert.equal(tokenPuts()[0]!.headers['x-aws-ec2-metadata-token-ttl-seconds'], '21600');
  const gets = stub.requests.filter((r) => r.method === 'GET');
  assert.equal(gets.length, 55);
  assert.ok(gets.every((r) => r.headers['x-aws-ec2-metadata-token'] === stub.issuedTokens[0]));
});

test('refreshes the upstream token near its expiry (injected clock)', async (t) => {
  const { call, stub, clock, tokenPuts } = await setup(t, { requireToken: true });
  await call('/latest/meta-data/a');
  clock.advance(SIX_HOURS - 2 * 60_000); // inside the refresh margin: refreshed in the background
  assert.equal((await call('/latest/meta-data/b')).status, 200);
  await eventually(() => stub.issuedTokens.length === 2, 'the background refresh');
  assert.equal((await call('/latest/meta-data/c')).status, 200);
  clock.advance(SIX_HOURS); // token 2 expired: the request waits for token 3
  assert.equal((await call('/latest/meta-data/d')).status, 200);
  assert.equal(tokenPuts().length, 3);
  const tokenOf = (path: string) => stub.requests.find((r) => r.path === path)!.headers['x-aws-ec2-metadata-token'];
  assert.deepEqual(
    ['/latest/meta-data/b', '/latest/meta-data/c', '/latest/meta-data/d'].map(tokenOf),
    [stub.issuedTokens[0], stub.issuedTokens[1], stub.issuedTokens[2]],
  );
});

test('a 401 from the upstream drops the token, fetches a new one and retries once', async (t) => {
  const { call, stub, tokenPuts, upstreamRequests } = await setup(t, { requireToken: true });
  await call('/latest/meta-data/a');
  stub.revokeTokens();
  const answer = await call('/latest/meta-data/b');
  assert.equal(answer.status, 200);
  assert.equal(tokenPuts().length, 2);
  const attempts = upstreamRequests('/latest/meta-data/b');
  assert.deepEqual(
    attempts.map((r) => r.headers['x-aws-ec2-metadata-token']),
    [stub.issuedTokens[0], stub.issuedTokens[1]],
  );
});

test('an upstream that keeps answering 401 gets exactly one retry, and the caller sees the 401', async (t) => {
  const { call, upstreamRequests } = await setup(t, { routes: { '/latest/meta-data/locked': { status: 401 } } });
  const answer = await call('/latest/meta-data/locked');
  assert.equal(answer.status, 401);
  assert.equal(upstreamRequests('/latest/meta-data/locked').length, 2);
});

for (const status of [403, 404, 405] as const) {
  test(`an upstream without token support (PUT → ${status}) gets IMDSv1 requests, and a PUT again after a back-off`, async (t) => {
    const { call, stub, clock, tokenPuts } = await setup(t, { tokens: status });
    for (let i = 0; i < 3; i++) assert.equal((await call('/latest/meta-data/instance-id')).status, 200);
    assert.equal(tokenPuts().length, 1);
    assert.ok(stub.requests.filter((r) => r.method === 'GET').every((r) => r.headers['x-aws-ec2-metadata-token'] === undefined));
    clock.advance(60_000);
    assert.equal((await call('/latest/meta-data/instance-id')).status, 200);
    assert.equal(tokenPuts().length, 2);
  });
}

test('never passes a host-only path to the upstream, whatever the spelling (the last line behind the gate)', async (t) => {
  const { call, stub, tokenPuts } = await setup(t);
  for (const [path, status] of [
    ['/latest/meta-data/iam/security-credentials/', 404],
    ['/latest/meta-data/IAM/info', 404],
    ['/2012-01-12/meta-data/identity-credentials/ec2/security-credentials/ec2-instance', 404],
    ['/latest/meta-data/iam;/security-credentials/', 404],
    ['/latest/meta-data/instance-id?x=iam', 404],
    // the gate decodes before this; here an escape is outside the alphabet
    ['/latest/meta-data/%69am/info', 400],
  ] as const) {
    const answer = await call(path);
    assert.equal(answer.status, status, path);
    assert.ok(!answer.body.toString().includes(stub.marker));
  }
  assert.equal(stub.requests.length - tokenPuts().length, 0);
  assertNoHostSecretRequests(stub);
});

test('a metadata URL with a path prefix keeps the prefix', async (t) => {
  const stub = await startImdsStub();
  const backend = createPassthrough({ metadataUrl: `${stub.url}/prefix/`, logger: silentLogger, metrics: recordingMetrics() });
  const proxy = await mount(backend);
  t.after(async () => {
    await proxy.close();
    await backend.close();
    await stub.close();
  });
  const answer = await request(`${proxy.url}/latest/meta-data/ami-id`);
  assert.equal(await answer.body.text(), 'upstream GET /prefix/latest/meta-data/ami-id');
});
