// Flood isolation, rule by rule (issue 12): one passthrough request upstream per client connection, the
// rest waiting and dropped when the connection goes; a cap per caller answered 429 (and that connection
// closed); a cap on upstream connections. Checked by what the upstream stub saw, not by timing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startHarness, type Harness } from '../helpers/proxy-harness.js';
import { eventually } from '../helpers/eventually.js';

let h: Harness;
before(async () => {
  h = await startHarness({
    env: { PASSTHROUGH_QUEUE_PER_CALLER: '4', UPSTREAM_MAX_CONNECTIONS: '2' },
    imds: {
      routes: {
        '/latest/meta-data/hang': { hang: 'headers' },
        '/latest/meta-data/after-hang': { body: 'after' },
        '/latest/meta-data/slow': { body: 'slow', delayMs: 100 },
      },
    },
  });
});
after(() => h.close());

const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: 169.254.169.254\r\n\r\n`;
const seen = (path: string) => h.imds.requests.filter((r) => r.path === path).length;

function connect(caller: string): Promise<net.Socket & { received: () => string }> {
  const url = new URL(h.proxy.url);
  return new Promise((resolve, reject) => {
    let received = '';
    const socket = net.connect({ host: url.hostname, port: Number(url.port), localAddress: caller }, () =>
      resolve(Object.assign(socket, { received: () => received })),
    );
    socket.on('data', (c: Buffer) => (received += c.toString()));
    socket.on('error', () => {});
    socket.once('error', reject);
  });
}

test('pipelined passthrough requests of one connection go upstream one at a time, and are dropped when it resets', async () => {
  const flooder = await connect('127.0.0.5');
  flooder.write(get('/latest/meta-data/hang') + get('/latest/meta-data/after-hang'));
  await eventually(() => seen('/latest/meta-data/hang') === 1, 'the first request upstream');
  // A whole round trip of another caller's passthrough request: the second one would have gone by now.
  assert.equal((await h.get('127.0.0.6', '/latest/meta-data/instance-id')).status, 200);
  assert.equal(seen('/latest/meta-data/after-hang'), 0, 'the second pipelined request waits its turn');
  flooder.resetAndDestroy(); // a FIN alone reads as a half-close, whose requests are still answered
  await eventually(() => h.imds.requests.find((r) => r.path === '/latest/meta-data/hang')!.aborted, 'the running one cancelled');
  assert.equal((await h.get('127.0.0.6', '/latest/meta-data/instance-id')).status, 200);
  assert.equal(seen('/latest/meta-data/after-hang'), 0, 'the waiting one never starts');
});

test('a caller over its cap gets 429 and that connection closes; other callers are served; leaving frees the cap', async () => {
  const before = seen('/latest/meta-data/hang');
  const first = await connect('127.0.0.7');
  first.write(get('/latest/meta-data/hang').repeat(4)); // one running, three waiting: the cap of 4
  await eventually(() => seen('/latest/meta-data/hang') === before + 1, 'the first request upstream');
  const second = await connect('127.0.0.7');
  second.write(get('/latest/meta-data/instance-id') + get('/latest/meta-data/iam/security-credentials/'));
  await new Promise((resolve) => second.once('close', resolve));
  assert.match(second.received(), /^HTTP\/1\.1 429 Too Many Requests\r\n/);
  assert.match(second.received(), /\r\nconnection: close\r\n/i);
  assert.equal(second.received().match(/HTTP\/1\.1 /g)!.length, 1, 'nothing after the 429 is answered');
  assert.equal((await h.get('127.0.0.8', '/latest/meta-data/instance-id')).status, 200, 'another caller is served');
  first.resetAndDestroy();
  await eventually(() => h.imds.requests.filter((r) => r.path === '/latest/meta-data/hang').every((r) => r.aborted), 'cancelled');
  assert.equal(seen('/latest/meta-data/hang'), before + 1, 'the three waiting requests never went upstream');
  assert.equal((await h.get('127.0.0.7', '/latest/meta-data/instance-id')).status, 200, 'the cap is free again');
});

test('the upstream never sees more connections than UPSTREAM_MAX_CONNECTIONS', async () => {
  const connectionsBefore = new Set(h.imds.requests.map((r) => r.connection));
  const answers = await Promise.all(
    ['127.0.0.10', '127.0.0.11', '127.0.0.12', '127.0.0.13', '127.0.0.14', '127.0.0.15'].map((caller) =>
      h.get(caller, '/latest/meta-data/slow'),
    ),
  );
  assert.deepEqual(answers.map((a) => a.status), [200, 200, 200, 200, 200, 200]);
  const used = new Set(h.imds.requests.filter((r) => r.path === '/latest/meta-data/slow').map((r) => r.connection));
  const all = new Set([...connectionsBefore, ...used]);
  assert.ok(used.size <= 2, `${used.size} upstream connections for six concurrent requests`);
  assert.ok(all.size <= 2 + connectionsBefore.size);
});
