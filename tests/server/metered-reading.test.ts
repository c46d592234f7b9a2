// Metered reading (issue 12): a connection's pipelined requests reach the handler a slice at a time and
// not while too many of them wait for an answer; the client's FIN and a stopped connection behave as
// without it. A connection is read natively until it pipelines; from the read after, it is metered, with
// every other connection of its caller. Counted over real sockets against a node:http server, never timed.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { answerHalfClosedClients, stopReading } from '../../src/imds/node-http.js';
import { meterReading, readsNatively } from '../../src/server/metered-reading.js';
import { eventually } from '../helpers/eventually.js';

const OPTIONS = { sliceBytes: 1024, maxUnanswered: 4 };
const REQUEST = 'GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: 169.254.169.254\r\n\r\n';
/** Answered at once by every test server: what a client asking one request at a time sends. */
const CALM = 'GET /calm HTTP/1.1\r\nHost: 169.254.169.254\r\n\r\n';
/** Requests one slice can hold, whole or begun. */
const PER_SLICE = Math.ceil(OPTIONS.sliceBytes / REQUEST.length);
/** Requests one native read (node's 64 KB buffer) can hold, whole or begun. */
const PER_NATIVE_READ = Math.ceil(65_536 / REQUEST.length);
const RUNS = 30;

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/**
 * The client's address and port as the server sees them. The port alone is not enough: clients bound to
 * different loopback addresses may be given the same port.
 */
function clientEnd(serverSide: net.Socket): string {
  return `${serverSide.remoteAddress}:${serverSide.remotePort}`;
}

/** The same for the client's own socket. */
function localEnd(client: net.Socket): string {
  return `${client.localAddress}:${client.localPort}`;
}

/** The server's side of a client's connection. */
function serverSideOf(sockets: Iterable<net.Socket>, client: net.Socket): net.Socket | undefined {
  return [...sockets].find((s) => clientEnd(s) === localEnd(client));
}

/** A metered server whose handler answers calm requests at once and keeps every other until the test answers it. */
async function holdingServer(onRequest: (req: http.IncomingMessage, res: http.ServerResponse) => void = () => {}) {
  const held: http.ServerResponse[] = [];
  /** Held requests by the client's end of the connection. */
  const heldByClient = new Map<string, http.ServerResponse[]>();
  const server = http.createServer((req, res) => {
    if (req.url === '/calm') return void res.end('calm');
    held.push(res);
    const key = clientEnd(req.socket);
    heldByClient.set(key, heldByClient.get(key) ?? []);
    heldByClient.get(key)!.push(res);
    onRequest(req, res);
  });
  answerHalfClosedClients(server);
  meterReading(server, OPTIONS);
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => sockets.add(socket.once('close', () => sockets.delete(socket))));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const heldFrom = (client: net.Socket) => heldByClient.get(localEnd(client)) ?? [];
  return { port, held, heldFrom, sockets };
}

/** Some event-loop turns, for anything the server would still parse. */
async function turns(n = 50): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

let callers = 0;
/** A caller address of its own (a caller that pipelined is never read natively again). */
function newCaller(): string {
  callers += 1;
  return `127.0.${1 + Math.floor(callers / 250)}.${1 + (callers % 250)}`;
}

function client(port: number, localAddress = '127.0.0.1'): net.Socket & { answers: () => string[]; answered: () => number } {
  let received = '';
  let answered = 0;
  let counted = 0;
  const socket = net.connect({ port, host: '127.0.0.1', localAddress, allowHalfOpen: true });
  socket.on('data', (c: Buffer) => (received += c.toString()));
  socket.on('error', () => {});
  return Object.assign(socket, {
    answers: () => received.split(/(?=HTTP\/1\.1 )/).filter(Boolean),
    /** How many answers arrived, counted as they come: cheap enough to poll over thousands. */
    answered: () => {
      for (let at = received.indexOf('HTTP/1.1 ', counted); at !== -1; at = received.indexOf('HTTP/1.1 ', counted)) {
        answered++;
        counted = at + 1;
      }
      return answered;
    },
  });
}

/** Asks `count` calm requests, each once the previous one was answered. */
async function askOneAtATime(socket: ReturnType<typeof client>, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const before = socket.answered();
    socket.write(CALM);
    await eventually(() => socket.answered() > before, `calm answer ${i + 1}`);
  }
}

/** A connection read natively, from a new caller unless given one; one calm request answered. */
async function calmClient(port: number, server: { sockets: Set<net.Socket> }, caller = newCaller()) {
  const socket = client(port, caller);
  await askOneAtATime(socket, 1);
  const serverSide = serverSideOf(server.sockets, socket);
  assert.ok(serverSide !== undefined && readsNatively(serverSide), 'read natively');
  return Object.assign(socket, { serverSide });
}

/** A connection metered from the start: its caller pipelined before. */
async function meteredClient(port: number) {
  const caller = newCaller();
  const first = client(port, caller);
  first.write(CALM + CALM);
  await eventually(() => first.answered() === 2, 'the answers to a pipelined pair');
  first.destroy();
  return client(port, caller);
}

test('a metered connection is parsed no further than its unanswered bound plus one slice, then as answers go out', async () => {
  const { port, held } = await holdingServer();
  const socket = await meteredClient(port);
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

test('eight metered connections together are parsed no further than the bound each', async () => {
  const { port, held } = await holdingServer();
  const sockets = await Promise.all(Array.from({ length: 8 }, () => meteredClient(port)));
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
    const socket = await meteredClient(port);
    socket.end(REQUEST.repeat(count));
    await new Promise((resolve) => socket.once('close', resolve));
    return socket.answers().length;
  });
  assert.deepEqual(await Promise.all(runs), Array.from({ length: RUNS }, () => count));
});

test('a request larger than a slice is parsed whole', async () => {
  const { port } = await holdingServer((req, res) => res.end(String(req.headers['x-big']?.length)));
  const socket = await meteredClient(port);
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
  const socket = await meteredClient(port);
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

test('a connection that asks one request at a time is read natively', async () => {
  const server = await holdingServer();
  const socket = await calmClient(server.port, server);
  await askOneAtATime(socket, 20);
  assert.equal(readsNatively(socket.serverSide), true);
  socket.destroy();
});

test('two requests in one read are pipelining: metered from then on, as are later connections of that caller', async () => {
  const server = await holdingServer();
  const caller = newCaller();
  const socket = await calmClient(server.port, server, caller);
  socket.write(CALM + CALM);
  await eventually(() => socket.answered() === 3, 'both answers');
  assert.equal(readsNatively(socket.serverSide), false);
  const later = client(server.port, caller);
  await askOneAtATime(later, 5);
  const laterServerSide = serverSideOf(server.sockets, later);
  assert.ok(laterServerSide !== undefined && !readsNatively(laterServerSide), 'a later connection of that caller');
  for (const s of [socket, later]) s.destroy();
});

test(`a connection read natively that starts pipelining is metered after that one read, for good (${RUNS} runs in parallel)`, async () => {
  // Once its bound was checked, a connection's requests are answered as they come.
  const released = new Set<string>();
  const server = await holdingServer((req, res) => {
    if (released.has(clientEnd(req.socket))) setImmediate(() => res.end('x'));
  });
  const total = 2 * PER_NATIVE_READ;
  const run = async () => {
    const socket = await calmClient(server.port, server);
    socket.write(REQUEST.repeat(total));
    await eventually(() => server.heldFrom(socket).length > 0, 'the first pipelined requests');
    await turns();
    const parsed = server.heldFrom(socket);
    assert.ok(parsed.length <= PER_NATIVE_READ + OPTIONS.maxUnanswered + PER_SLICE, `${parsed.length} requests parsed with none answered`);
    assert.equal(readsNatively(socket.serverSide), false, 'metered');
    released.add(localEnd(socket));
    for (const res of parsed) res.end('x');
    await eventually(() => socket.answered() === 1 + total, 'every answer');
    await askOneAtATime(socket, 5);
    assert.equal(readsNatively(socket.serverSide), false, 'never read natively again');
    socket.destroy();
  };
  await Promise.all(Array.from({ length: RUNS }, run));
});

test('pipelined requests answered at once on a connection read natively: one read in one go, then a slice per turn', async () => {
  const perTurn: number[] = [0];
  const server = await holdingServer((_req, res) => {
    perTurn[perTurn.length - 1]! += 1;
    res.end('x');
  });
  const socket = await calmClient(server.port, server);
  let counting = true;
  const countTurns = () => {
    perTurn.push(0);
    if (counting) setImmediate(countTurns);
  };
  setImmediate(countTurns);
  const total = 3_000;
  socket.write(REQUEST.repeat(total));
  await eventually(() => socket.answered() === 1 + total, 'every answer');
  counting = false;
  const bursts = perTurn.filter((n) => n > 2 * PER_SLICE);
  assert.ok(bursts.length <= 1 && (bursts[0] ?? 0) <= PER_NATIVE_READ, `requests per turn beyond two slices: ${bursts.join(', ')}`);
  assert.equal(readsNatively(socket.serverSide), false);
  socket.destroy();
});

test(`a connection read natively that half-closes after its request gets the answer (${RUNS} runs in parallel)`, async () => {
  const server = await holdingServer((req, res) => setImmediate(() => res.end(req.url)));
  const run = async () => {
    const socket = await calmClient(server.port, server);
    socket.end(REQUEST);
    await new Promise((resolve) => socket.once('close', resolve));
    return socket.answered();
  };
  const answers = await Promise.all(Array.from({ length: RUNS }, run));
  assert.deepEqual(answers, Array.from({ length: RUNS }, () => 2));
});

test('once reading stopped on a connection read natively, nothing more of it is parsed', async () => {
  const server = await holdingServer((req, res) => {
    stopReading(req.socket);
    res.end('stopped');
  });
  const socket = await calmClient(server.port, server);
  socket.write(REQUEST);
  await eventually(() => socket.answered() === 2, 'the answer that stopped reading');
  socket.write(REQUEST.repeat(100));
  await turns();
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(server.held.length, 1, 'nothing parsed after the stop');
  socket.destroy();
});

test("a caller's pipelining meters its other connections read natively, not other callers'", async () => {
  const server = await holdingServer();
  const caller = newCaller();
  const [flooding, other] = [await calmClient(server.port, server, caller), await calmClient(server.port, server, caller)];
  const bystander = await calmClient(server.port, server);
  flooding.write(REQUEST.repeat(10));
  await eventually(() => server.heldFrom(flooding).length > 0, 'the pipelined requests');
  assert.equal(readsNatively(flooding.serverSide), false);
  assert.equal(readsNatively(other.serverSide), false, "the caller's other connection");
  assert.equal(readsNatively(bystander.serverSide), true, "another caller's connection");
  for (const socket of [flooding, other, bystander]) socket.destroy();
});
