import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseGoDuration } from '../../src/config/duration.js';

const valid: Array<[string, number]> = [
  // each unit
  ['1h', 3_600_000], ['15m', 900_000], ['90s', 90_000], ['250ms', 250], ['1500us', 1.5],
  ['1500µs', 1.5], // micro sign U+00B5
  ['1500μs', 1.5], // Greek mu U+03BC
  ['2000000ns', 2],
  // combined components, fractions, zero
  ['1h15m30.5s', 4_530_500], ['1h30m', 5_400_000], ['1.5h', 5_400_000], ['.5s', 500], ['5.s', 5000],
  ['2m2m', 240_000], // Go allows a unit twice
  ['0', 0], ['0s', 0],
  ['1.0000000001s', 1000], // beyond nanoseconds is truncated, as in Go
];

test('Go durations: units, combinations, fractions, zero', () => {
  for (const [text, ms] of valid) assert.equal(parseGoDuration(text), ms, text);
});

test('Go durations: what Go rejects, and signs', () => {
  for (const bad of ['', '15', '00', 'm', '.s', '1.5.5s', '15 m', ' 15m', '15min', '1d', '1e3s', '-5m', '+5m', '5m-1s', 'abc']) {
    assert.equal(parseGoDuration(bad), undefined, bad);
  }
  assert.equal(parseGoDuration('2562048h'), undefined, 'beyond the int64 nanosecond range');
  assert.equal(parseGoDuration('2562047h'), 2562047 * 3_600_000);
});

test('formatDuration writes the short Go form', () => {
  assert.equal(formatDuration(1_800_000), '30m');
  assert.equal(formatDuration(5_400_000), '1h30m');
  assert.equal(formatDuration(1000), '1s');
  assert.equal(formatDuration(1500), '1.5s');
  assert.equal(formatDuration(0), '0s');
});
