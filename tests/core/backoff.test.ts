// The one backoff rule: the Docker reconnect, STS retries and the upstream IMDS token all double from a
// first delay up to a ceiling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffMs, jitteredBackoffMs } from '../../src/core/backoff.js';

test('the delay doubles per attempt and stops at the ceiling', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map((attempt) => backoffMs(attempt, 5_000, 300_000)), [5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
  assert.equal(backoffMs(10_000, 250, 30_000), 30_000, 'a huge attempt count stays at the ceiling');
});

test('jitter keeps the first half of the delay and randomizes the second', () => {
  assert.equal(jitteredBackoffMs(2, 1_000, 60_000, () => 0), 2_000);
  assert.equal(jitteredBackoffMs(2, 1_000, 60_000, () => 1), 4_000);
  assert.equal(jitteredBackoffMs(9, 1_000, 60_000, () => 0.5), 45_000);
});
