import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { applyServerLimits, DEFAULT_SERVER_LIMITS, serverOptions } from '../../src/server/limits.js';

test('applyServerLimits sets every per-server limit', () => {
  const server = createServer();
  applyServerLimits(server, { headersTimeoutMs: 2000, requestTimeoutMs: 4000, keepAliveTimeoutMs: 1000, idleTimeoutMs: 9000, maxHeadersCount: 10 });
  assert.equal(server.headersTimeout, 2000);
  assert.equal(server.requestTimeout, 4000);
  assert.equal(server.keepAliveTimeout, 1000);
  assert.equal(server.maxHeadersCount, 10);
  assert.equal(server.timeout, 9000);
});

test('defaults bound every connection', () => {
  const server = createServer(serverOptions());
  applyServerLimits(server);
  assert.equal(server.headersTimeout, DEFAULT_SERVER_LIMITS.headersTimeoutMs);
  assert.ok(server.headersTimeout <= server.requestTimeout);
  assert.ok(server.requestTimeout > 0 && server.keepAliveTimeout > 0 && server.timeout > 0);
  assert.ok(server.maxHeadersCount !== null && server.maxHeadersCount > 0);
});

test('serverOptions carries the options only createServer takes', () => {
  assert.deepEqual(serverOptions({ maxHeaderBytes: 4096, headersTimeoutMs: 500, requestTimeoutMs: 1000, checkIntervalMs: 100 }), {
    maxHeaderSize: 4096,
    headersTimeout: 500,
    requestTimeout: 1000,
    connectionsCheckingInterval: 100,
  });
});
