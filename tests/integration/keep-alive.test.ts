// A keep-alive connection keeps asking from one address; the proxy remembers who that is on the connection.
// What it remembers must never outlive a change of the index: a caller whose mapping changes, or goes,
// gets the new answer on the very connection it already has open.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startHarness, type Harness } from '../helpers/proxy-harness.js';

const CREDS = '/latest/meta-data/iam/security-credentials/';

let h: Harness;
let agent: http.Agent;
before(async () => {
  h = await startHarness({ mappings: { '127.0.0.2': 'reader', '127.0.0.3': 'other' } });
  agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
});
after(async () => {
  agent.destroy();
  await h.close();
});

/** One request on the agent's single keep-alive connection from 127.0.0.2: status, body and socket used. */
function ask(path: string): Promise<{ status: number; body: string; socket: Socket }> {
  const url = new URL(h.proxy.url);
  return new Promise((resolve, reject) => {
    const req = http.get({ host: url.hostname, port: url.port, path, agent, localAddress: '127.0.0.2' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, socket: req.socket! }));
    });
    req.on('error', reject);
  });
}

async function untilListing(expected: string | number): Promise<{ status: number; body: string; socket: Socket }> {
  for (let i = 0; i < 100; i++) {
    const r = await ask(CREDS);
    if (r.body === expected || r.status === expected) return r;
    await sleep(50);
  }
  throw new Error(`the listing never became ${expected}`);
}

test('a mapping change reaches a connection that is already open', async () => {
  const first = await ask(CREDS);
  assert.equal(first.body, 'reader');
  assert.equal((await ask(`${CREDS}reader`)).status, 200);

  h.writeMappings({ '127.0.0.2': 'writer', '127.0.0.3': 'other' });
  const changed = await untilListing('writer');
  assert.equal(changed.socket, first.socket, 'the same connection throughout');
  assert.equal((await ask(`${CREDS}reader`)).status, 404, 'the old role is gone on this connection');
  assert.equal(JSON.parse((await ask(`${CREDS}writer`)).body).Code, 'Success');

  h.writeMappings({ '127.0.0.3': 'other' });
  const removed = await untilListing(404);
  assert.equal(removed.socket, first.socket);
  assert.equal((await ask(`${CREDS}writer`)).status, 404);
});
