// The soak's check that RSS and fds do not grow without bound (e2e/soak/growth.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { growth, windowSeconds, type Sample } from '../../e2e/soak/growth.js';

/** One sample every 2 s for `seconds`, RSS and fds from functions of the time. */
const samples = (seconds: number, rss: (at: number) => number, fds: (at: number) => number = () => 40): Sample[] =>
  Array.from({ length: seconds / 2 + 1 }, (_, i) => ({ at: i * 2, rssMb: rss(i * 2), fds: fds(i * 2) }));

test('the windows are the first and last minute, or fifths of a run under five minutes', () => {
  assert.equal(windowSeconds(600), 60);
  assert.equal(windowSeconds(60), 12);
});

test('a flat process passes', () => {
  const { rss, fds } = growth(samples(600, () => 80), 600);
  assert.equal(rss.grew, false);
  assert.equal(fds.grew, false);
  assert.equal(rss.first, 80);
});

test('warm-up within the first window and a plateau after it pass', () => {
  const { rss } = growth(samples(600, (at) => (at < 20 ? 60 : 95)), 600);
  assert.equal(rss.first, 95, 'the median skips the start-up samples');
  assert.equal(rss.grew, false);
  assert.equal(growth(samples(60, (at) => 60 + at / 2), 60).rss.grew, false, '30 MB over a minute is within the 32 MB floor');
});

test('steady RSS growth over the run fails', () => {
  const { rss } = growth(samples(600, (at) => 70 + at * 0.1), 600);
  assert.equal(rss.grew, true);
  assert.ok(rss.last > rss.limit);
});

test('an fd per container or per request fails, a few more connections do not', () => {
  assert.equal(growth(samples(600, () => 80, (at) => 40 + Math.floor(at / 5)), 600).fds.grew, true);
  assert.equal(growth(samples(600, () => 80, (at) => (at > 500 ? 70 : 40)), 600).fds.grew, false);
});

test('one spike in the last window decides nothing', () => {
  const spiky = samples(600, (at) => (at === 590 ? 400 : 80));
  assert.equal(growth(spiky, 600).rss.grew, false);
});

test('no samples is an error, not a pass', () => {
  assert.throws(() => growth([], 60), /no samples/);
});
