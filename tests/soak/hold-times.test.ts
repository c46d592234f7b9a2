// Hold times read from the proxy's JSON request log (e2e/soak/hold-times.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { holdTimes, quantile } from '../../e2e/soak/hold-times.js';

const entry = (path: string, latencyMs: number, heldMs?: number, time = 1_000): string =>
  JSON.stringify({ level: 30, time, msg: 'request', path, status: 200, latencyMs, ...(heldMs !== undefined && { heldMs }) });

test('quantiles by nearest rank', () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(quantile(values, 0.5), 50);
  assert.equal(quantile(values, 0.99), 99);
  assert.equal(quantile(values, 1), 100);
  assert.equal(quantile([7], 0.99), 7);
  assert.equal(quantile([], 0.5), 0);
});

test('holds and slow answers of IAM routes only; other lines and broken JSON are skipped', () => {
  const log = [
    entry('/latest/meta-data/iam/security-credentials/', 3, 2.5),
    entry('/latest/meta-data/iam/security-credentials/app', 1200, 1190),
    entry('/latest/meta-data/iam/security-credentials/app', 0.2),
    entry('/latest/meta-data/instance-id', 2000),
    '{"msg":"request", broken',
    JSON.stringify({ msg: 'docker event', heldMs: 5 }),
    '',
  ].join('\n');
  assert.deepEqual(holdTimes(log), { held: 2, p50: 2.5, p99: 1190, max: 1190, slowIam: 1 });
});

test('entries can be left out by their time', () => {
  const log = [entry('/latest/meta-data/iam/security-credentials/', 3, 2.5, 1_000), entry('/latest/meta-data/iam/security-credentials/', 1500, 1000, 5_000)].join('\n');
  assert.deepEqual(holdTimes(log, (time) => time < 2_000), { held: 1, p50: 2.5, p99: 2.5, max: 2.5, slowIam: 0 });
});
