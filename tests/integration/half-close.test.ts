// Clients that half-close after their request (`printf 'GET …' | nc`, shutdown(SHUT_WR)) are answered on
// every route, as by the real IMDS; a client that resets cancels its upstream request, and pipelined
// requests of a connection that closed never start (issue 12).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startHarness, type Harness } from '../helpers/proxy-harness.js';
import { eventually } from '../helpers/eventually.js';

const RUNS = 30;
let h: Harness;

before(async () => {
  h = await startHarness({
    mappings: { '127.0.0.2': 'reader' },
    imds: { delayMs: 5, routes: { '/latest/meta-data/hang': { hang: 'headers' }, '/latest/meta-data/hang-too': { hang: 'headers' } } },
  });
});
after(() => h.close());

/** Writes the bytes, half-closes (FIN) at once, and reads until the proxy closes its side. */
function halfClosed(bytes: string): Promise<string> {
  const url = new URL(h.proxy.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: url.hostname, port: Number(url.port), localAddress: '127.0.0.2', allowHalfOpen: true });
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString()));
    socket.end(bytes);
  });
}

const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: 169.254.169.254\r\n${extra}\r\n`;

test(`a half-closed client gets its answer on every route (${RUNS} runs each, in parallel)`, async () => {
  const cases: Array<[bytes: string, status: string, body: string]> = [
    [get('/latest/meta-data/instance-id'), '200', 'upstream GET /latest/meta-data/instance-id'],
    [get('/latest/meta-data/iam/security-credentials/'), '200', 'reader'],
    [get('/latest/meta-data/iam/security-credentials/reader'), '200', '"Code" : "Success"'],
    [get('/latest/meta-data/iam/info'), '200', 'InstanceProfileArn'],
    [`PUT /latest/api/token HTTP/1.1\r\nHost: x\r\nX-aws-ec2-metadata-token-ttl-seconds: 60\r\n\r\n`, '200', ''],
    [get('/latest/meta-data/identity-credentials/ec2/info'), '404', '404 - Not Found'],
  ];
  const answers = await Promise.all(cases.flatMap(([bytes]) => Array.from({ length: RUNS }, () => halfClosed(bytes))));
  cases.forEach(([bytes, status, body], i) => {
    for (const answer of answers.slice(i * RUNS, (i + 1) * RUNS)) {
      assert.match(answer, new RegExp(`^HTTP/1\\.1 ${status} `), `${bytes.split('\r\n')[0]}: ${JSON.stringify(answer.slice(0, 80))}`);
      assert.ok(answer.includes(body), `${bytes.split('\r\n')[0]} body`);
    }
  });
});

test(`pipelined requests of a half-closed client are all answered, in order (${RUNS} runs in parallel)`, async () => {
  const bytes = get('/latest/meta-data/a') + get('/latest/meta-data/iam/security-credentials/') + get('/latest/meta-data/b');
  const answers = await Promise.all(Array.from({ length: RUNS }, () => halfClosed(bytes)));
  for (const answer of answers) {
    const bodies = [...answer.matchAll(/upstream GET \/latest\/meta-data\/([ab])|\r\n\r\n(reader)/g)].map((m) => m[1] ?? m[2]);
    assert.deepEqual(bodies, ['a', 'reader', 'b']);
  }
});

test('a client that resets cancels its upstream request, and its pipelined requests never start', async () => {
  const url = new URL(h.proxy.url);
  const seen = (path: string) => h.imds.requests.filter((r) => r.path === path);
  const socket = net.connect({ host: url.hostname, port: Number(url.port), localAddress: '127.0.0.2' });
  socket.on('error', () => {});
  socket.write(get('/latest/meta-data/hang') + get('/latest/meta-data/hang-too'));
  await eventually(() => seen('/latest/meta-data/hang').length === 1, 'the upstream to see the first request');
  assert.equal(seen('/latest/meta-data/hang')[0]!.aborted, false);
  socket.resetAndDestroy();
  await eventually(() => seen('/latest/meta-data/hang')[0]!.aborted, 'the upstream request to be cancelled');
  // Still serving; the second request of the reset connection was dropped, never sent.
  assert.equal((await h.get('127.0.0.2', '/latest/meta-data/instance-id')).status, 200);
  assert.equal(seen('/latest/meta-data/hang-too').length, 0);
});
