import assert from 'node:assert/strict';
import { test } from 'node:test';
import { p99Ratio, throughputRatio, type SideFigures } from '../../bench/measure.js';

const side = (sliceRequestsPerS: number[], sliceP99Ms: number[] = []) => ({ sliceRequestsPerS, sliceP99Ms }) as SideFigures;

test('throughput ratios pair the slices of each round, so a slow round counts once, not against one side', () => {
  // Round 2 ran while the machine was slow for both sides; one slice of ours was disturbed on its own.
  const reference = side([100, 50, 100]);
  const ours = side([90, 45, 40]);
  assert.equal(throughputRatio(ours, reference), 0.9);
  assert.equal(throughputRatio(reference, reference), 1);
});

test('p99 ratios pair slices the same way: one disturbed slice does not decide the tail', () => {
  const reference = side([], [1.0, 1.2, 1.0]);
  const ours = side([], [1.3, 1.5, 9.0]);
  assert.equal(p99Ratio(ours, reference), 1.3);
});
