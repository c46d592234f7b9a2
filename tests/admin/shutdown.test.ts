import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { drainServer, gracefulShutdown } from '../../src/admin/shutdown.js';
import { silentLogger } from '../../src/observability/logger.js';

/** A server whose requests wait until `release()`; the request has arrived once `arrived` resolves. */
async function slowServer() {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let arrived!: () => void;
  const arrival = new Promise<void>((resolve) => (arrived = resolve));
  const server = http.createServer((_req, res) => {
    arrived();
    void released.then(() => res.end('done'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, release, arrival };
}

function get(port: number, agent: http.Agent): Promise<{ status: number; body: string; connection?: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, agent }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body, connection: res.headers.connection }));
      })
      .on('error', reject);
  });
}

describe('graceful shutdown', () => {
  it('lets an in-flight request finish, then closes its keep-alive connection and the server', async () => {
    const { server, port, release, arrival } = await slowServer();
    const agent = new http.Agent({ keepAlive: true });
    const reply = get(port, agent);
    await arrival;
    const drained = drainServer(server, 30_000);
    release();
    assert.deepEqual(await reply, { status: 200, body: 'done', connection: 'keep-alive' });
    assert.equal(await drained, true, 'closed without waiting for the deadline');
    assert.equal(server.listening, false);
    agent.destroy();
  });

  it('cuts off what is still running at the deadline', async () => {
    const { server, port, arrival } = await slowServer();
    const agent = new http.Agent({ keepAlive: true });
    const reply = get(port, agent).catch((error: Error) => error);
    await arrival;
    assert.equal(await drainServer(server, 50), false);
    assert.ok((await reply) instanceof Error, 'the unfinished request was cut off');
    agent.destroy();
  });

  it('closes every closeable after draining, even when one fails', async () => {
    const { server } = await slowServer();
    const closed: string[] = [];
    await gracefulShutdown(
      [server],
      [
        { close: () => void closed.push('identity') },
        {
          close: async () => {
            throw new Error('statsd gone');
          },
        },
        { close: async () => void closed.push('cache') },
      ],
      silentLogger,
      1000,
    );
    assert.deepEqual(closed, ['identity', 'cache']);
    assert.equal(server.listening, false);
  });
});
