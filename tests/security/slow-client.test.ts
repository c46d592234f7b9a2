// A client that trickles its request, or says nothing at all, must not hold a connection open: the
// server's limits close it. Limits are short here (about a second); the clients would need many seconds
// to finish, so the assertions are about who closed the connection and when in the request, not timings.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startHarness, type Harness } from '../helpers/proxy-harness.js';

const CALLER = '127.0.0.2';
const DRIP_INTERVAL_MS = 100;

interface Outcome {
  /** Bytes the client had written when the server closed the connection. */
  written: number;
  total: number;
  answer: string;
}

/** Connects and writes `request` one byte per interval until done or until the server closes the connection. */
function drip(port: number, request: string): Promise<Outcome> {
  const bytes = Buffer.from(request);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress: CALLER });
    const received: Buffer[] = [];
    let written = 0;
    let timer: NodeJS.Timeout | undefined;
    const writeNext = (): void => {
      if (written === bytes.length || socket.destroyed) return;
      socket.write(bytes.subarray(written, written + 1));
      written++;
      timer = setTimeout(writeNext, DRIP_INTERVAL_MS);
    };
    socket.on('connect', writeNext);
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', () => {}); // a reset is one way of being closed
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ written, total: bytes.length, answer: Buffer.concat(received).toString() });
    });
    socket.setTimeout(60_000, () => reject(new Error('the server never closed the connection')));
  });
}

/** Opens a connection, optionally sends `request` at once, and waits for the server to close it. */
function waitForClose(port: number, request?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress: CALLER }, () => {
      if (request !== undefined) socket.write(request);
    });
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => resolve(Buffer.concat(received).toString()));
    socket.setTimeout(60_000, () => reject(new Error('the server never closed the connection')));
  });
}

function assertClosedEarly(outcome: Outcome): void {
  assert.ok(outcome.written < outcome.total, `the server waited for all ${outcome.total} bytes`);
  // Node answers 408 when it can still write; a bare close is fine too.
  assert.ok(outcome.answer === '' || outcome.answer.startsWith('HTTP/1.1 408'), outcome.answer.slice(0, 80));
}

describe('server limits against slow clients', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      mappings: { [CALLER]: 'reader' },
      deps: {
        serverLimits: { headersTimeoutMs: 1000, requestTimeoutMs: 1500, keepAliveTimeoutMs: 500, idleTimeoutMs: 3000, checkIntervalMs: 100 },
      },
    });
  });
  after(() => h.close());

  test('headers sent byte by byte: closed by the headers timeout', async () => {
    const request =
      'GET /latest/meta-data/iam/security-credentials/reader HTTP/1.1\r\nHost: 169.254.169.254\r\nUser-Agent: slow\r\n\r\n';
    assertClosedEarly(await drip(h.proxy.port, request));
  });

  test('a body sent byte by byte: closed by the request timeout', async () => {
    const request =
      'PUT /latest/api/token HTTP/1.1\r\nHost: 169.254.169.254\r\nX-aws-ec2-metadata-token-ttl-seconds: 60\r\n' +
      `Content-Length: 200\r\n\r\n${'x'.repeat(200)}`;
    const outcome = await drip(h.proxy.port, request);
    assert.ok(outcome.written < outcome.total, 'the server waited for the whole body');
  });

  test('a connection that never sends a byte is closed', async () => {
    const answer = await waitForClose(h.proxy.port);
    assert.ok(answer === '' || answer.startsWith('HTTP/1.1 408'), answer);
  });

  test('an idle keep-alive connection is closed after its answer', async () => {
    const answer = await waitForClose(h.proxy.port, 'GET /latest/meta-data/iam/security-credentials/ HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(answer, /^HTTP\/1\.1 200 /);
    assert.match(answer, /\r\ncontent-length: 6\r\n/i);
    assert.match(answer, /\r\n\r\nreader$/);
  });

  test('the server still answers normally afterwards', async () => {
    const r = await h.get(CALLER, '/latest/meta-data/iam/security-credentials/');
    assert.deepEqual([r.status, r.body], [200, 'reader']);
  });
});
