// Metered reading (issue 12): a connection's pipelined requests reach the handler a slice at a time and
// not while too many of them wait for an answer; the client's FIN and a stopped connection behave as
// without it. Counted over real sockets against a node:http server, never timed.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { answerHalfClosedClients, stopReading } from '../../src/imds/node-http.js';
import { meterReading } from '../../src/server/metered-reading.js';
import { eventually } from '../helpers/eventually.js';

const OPTIONS = { sliceBytes: 1024, maxUnanswered: 4 };
const REQUEST = 'GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: 169.254.169.254\r\n\r\n';
/** Requests one slice can hold, whole or begun. */
const PER_SLICE = Math.ceil(OPTIONS.sliceBytes / REQUEST.length);
const RUNS = 30;

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A metered server whose handler keeps every request until the test answers it. */
async function holdingServer(onRequest: (req: http.IncomingMessage, res: http.ServerResponse) => void = () => {}) {
  const held: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    held.push(res);
    onRequest(req, res);
  });
  answerHalfClosedClients(server);
  meterReading(server, OPTIONS);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { port, held };
}

/** Some event-loop turns, for anything the server would still parse. */
async function turns(n = 50): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

function client(port: number): net.Socket & { answers: () => string[] } {
  let received = '';
  const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  socket.on('data', (c: Buffer) => (received += c.toString()));
  socket.on('error', () => {});
  return Object.assign(socket, { answers: () => received.split(/(?=HTTP\/1\.1 )/).filter(Boolean) });
}

test('a pipelining connection is parsed no further than its unanswered bound plus one slice, then as answers go out', async () => {
  const { port, held } = await holdingServer();
  const socket = client(port);
  const total = 500;
  socket.write(REQUEST.repeat(total));
  await eventually(() => held.length > 0, 'the first requests');
  await turns();
  assert.ok(held.length <= OPTIONS.maxUnanswered + PER_SLICE, `${held.length} requests parsed with none answered`);
  let answered = 0;
  while (answered < total) {
    await eventually(() => held.length > answered, `request ${answered + 1}`);
    const res = held[answered]!;
    res.end(String(answered++));
    await turns(2);
    assert.ok(held.length - answered <= OPTIONS.maxUnanswered + PER_SLICE, `${held.length - answered} unanswered requests parsed`);
  }
  await eventually(() => socket.answers().length === total, 'every answer');
  assert.deepEqual(socket.answers().map((a) => Number(a.split('\r\n\r\n')[1])), Array.from({ length: total }, (_, i) => i), 'in order');
  socket.destroy();
});

test('eight pipelining connections together are parsed no further than the bound each', async () => {
  const { port, held } = await holdingServer();
  const sockets = Array.from({ length: 8 }, () => client(port));
  for (const socket of sockets) socket.write(REQUEST.repeat(2_000));
  await eventually(() => new Set(held.map((res) => res.req.socket)).size === 8, 'requests from every connection');
  await turns();
  const perConnection = new Map<net.Socket, number>();
  for (const res of held) perConnection.set(res.req.socket, (perConnection.get(res.req.socket) ?? 0) + 1);
  for (const count of perConnection.values()) assert.ok(count <= OPTIONS.maxUnanswered + PER_SLICE, `${count} requests parsed on one connection`);
  for (const socket of sockets) socket.destroy();
});

test(`a client that half-closes after pipelining gets every answer, then the connection closes (${RUNS} runs in parallel)`, async () => {
  // Answered a turn later, as a passthrough answer is: what the client's FIN must wait for.
  const { port } = await holdingServer((req, res) => setImmediate(() => res.end(req.url)));
  const count = 100;
  const runs = Array.from({ length: RUNS }, async () => {
    const socket = client(port);
    socket.end(REQUEST.repeat(count));
    await new Promise((resolve) => socket.once('close', resolve));
    return socket.answers().length;
  });
  assert.deepEqual(await Promise.all(runs), Array.from({ length: RUNS }, () => count));
});

test('a request larger than a slice is parsed whole', async () => {
  const { port } = await holdingServer((req, res) => res.end(String(req.headers['x-big']?.length)));
  const socket = client(port);
  const big = 'x'.repeat(5 * OPTIONS.sliceBytes);
  socket.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${big}\r\n\r\n` + REQUEST);
  await eventually(() => socket.answers().length === 2, 'both answers');
  assert.equal(socket.answers()[0]!.split('\r\n\r\n')[1], String(big.length));
  socket.destroy();
});

test('once reading stopped, nothing more of the connection is parsed, however its answers go out', async () => {
  const { port, held } = await holdingServer((req, res) => {
    if (held.length === 2) stopReading(req.socket);
    res.end('ok');
  });
  const socket = client(port);
  socket.write(REQUEST.repeat(1_000));
  await eventually(() => socket.answers().length >= 2, 'the first answers');
  const seen = held.length;
  assert.ok(seen <= 2 + PER_SLICE, `${seen} requests parsed`);
  socket.write(REQUEST.repeat(100));
  await eventually(() => socket.answers().length === seen, 'the answers to what was parsed');
  await turns();
  assert.equal(held.length, seen, 'nothing parsed after the stop');
  socket.destroy();
});
