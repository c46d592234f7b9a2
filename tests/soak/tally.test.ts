// Attribution and counting of the soak's answers (e2e/soak/tally.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SoakTally } from '../../e2e/soak/tally.js';
import type { Answer, InFlight } from '../../e2e/soak/answer-line.js';

const KEYS: Record<string, string> = { KEYAPP: 'app', KEYWEB: 'web' };
const tally = (windows = [{ name: 'sts', from: 100, to: 110 }]) => new SoakTally((key) => KEYS[key], windows, 'instance-id');

const REMOVED_AT = 1_000;
const done = (answers: Answer[], inFlight?: InFlight) => ({ answers, unreadable: 0, ...(inFlight !== undefined && { inFlight }) });
const at = (startedAt: number, endedAt = startedAt + 0.01) => ({ startedAt, endedAt });
const listing = (role: string, t = 1): Answer => ({ kind: 'listing', ...at(t), status: 200, text: role });
const credentials = (key: string, t = 1): Answer => ({ kind: 'credentials', ...at(t), status: 200, text: key });
const failed = (kind: Answer['kind'], status: number | undefined, t = 1, took = 0.01): Answer => ({ kind, ...at(t, t + took), status, text: 'wget: error' });
const passthrough = (t = 1, text = 'upstream GET /latest/meta-data/instance-id'): Answer => ({ kind: 'passthrough', ...at(t), status: 200, text });

test('answers naming the container its own role count as right', () => {
  const t = tally();
  t.add({ name: 'c1', role: 'app' }, done([listing('app'), credentials('KEYAPP'), passthrough()]), REMOVED_AT);
  assert.equal(t.total.requests, 3);
  assert.equal(t.total.wrongRole, 0);
  assert.deepEqual(t.findings, []);
});

test("another role's name, another role's key and a key STS never issued are each wrong-role", () => {
  const t = tally();
  t.add({ name: 'c1', role: 'app' }, done([listing('web'), credentials('KEYWEB'), credentials('HOSTSECRET')]), REMOVED_AT);
  assert.equal(t.total.wrongRole, 3);
  assert.deepEqual(t.findings.map((f) => f.why), ['listed as web', 'key KEYWEB was issued for web', 'key HOSTSECRET was never issued by STS']);
});

test('a container without a role is wrong-served by any IAM answer, and right by a 404', () => {
  const t = tally();
  t.add({ name: 'none', role: undefined }, done([failed('listing', 404), failed('credentials', 404), passthrough()]), REMOVED_AT);
  assert.equal(t.total.wrongRole, 0);
  assert.equal(t.total.credentialNotFound, 0, 'a 404 is the right answer here');
  t.add({ name: 'none2', role: undefined }, done([listing('app'), credentials('KEYAPP')]), REMOVED_AT);
  assert.equal(t.total.wrongRole, 2);
});

test('5xx or no answer counts against a container only once it had its credentials', () => {
  const t = tally();
  t.add({ name: 'cold', role: 'app' }, done([failed('listing', 503), failed('credentials', undefined), listing('app'), credentials('KEYAPP')]), REMOVED_AT);
  assert.equal(t.total.failedOnWarm, 0);
  assert.equal(t.total.credentialFailures, 2);
  t.add({ name: 'warm', role: 'app' }, done([listing('app'), credentials('KEYAPP'), failed('listing', 502), failed('credentials', undefined), failed('credentials', 404)]), REMOVED_AT);
  assert.equal(t.total.failedOnWarm, 2);
  assert.equal(t.total.notFoundOnWarm, 1);
  assert.equal(t.total.neverServed, 0);
  t.add({ name: 'never', role: 'app' }, done([failed('listing', 504), failed('credentials', 504)]), REMOVED_AT);
  assert.equal(t.total.neverServed, 1);
});

test('a listing alone does not make a container warm', () => {
  const t = tally();
  t.add({ name: 'c', role: 'app' }, done([listing('app'), failed('credentials', 500)]), REMOVED_AT);
  assert.equal(t.total.failedOnWarm, 0);
});

test('IAM requests over a second are held>1s; passthrough ones are not', () => {
  const t = tally();
  t.add({ name: 'c', role: 'app' }, done([failed('listing', 404, 1, 1.2), { ...credentials('KEYAPP'), endedAt: 2.5 }, { ...passthrough(), endedAt: 9 }, listing('app')]), REMOVED_AT);
  assert.equal(t.total.heldOverOneSecond, 2);
});

test('answers are counted in every window they overlap, the rest outside the windows', () => {
  const t = tally([
    { name: 'sts', from: 100, to: 110 },
    { name: 'upstream', from: 109, to: 120 },
  ]);
  t.add({ name: 'c', role: 'app' }, done([
    passthrough(50),
    failed('passthrough', 504, 99, 2),
    passthrough(109.5, 'upstream GET /other'),
    failed('credentials', 503, 115),
    failed('listing', 404, 116),
  ]), REMOVED_AT);
  assert.deepEqual(t.windows.get('sts'), { requests: 2, credentialFailures: 0, credentialNotFound: 0, passthroughFailures: 2, heldOverOneSecond: 0 });
  assert.deepEqual(t.windows.get('upstream'), { requests: 3, credentialFailures: 1, credentialNotFound: 1, passthroughFailures: 1, heldOverOneSecond: 0 });
  assert.deepEqual(t.windows.get('outside the windows'), { requests: 1, credentialFailures: 0, credentialNotFound: 0, passthroughFailures: 0, heldOverOneSecond: 0 });
  assert.equal(t.total.passthroughFailures, 2);
  assert.equal(t.total.credentialNotFound, 1);
});

test('an IAM request still waiting at removal is in flight, and held>1s when it had waited over a second', () => {
  const t = tally();
  t.add({ name: 'short', role: 'app' }, done([listing('app', 100)], { kind: 'credentials', startedAt: 100.5 }), 101);
  t.add({ name: 'long', role: 'app' }, done([listing('app', 100)], { kind: 'credentials', startedAt: 101 }), 104);
  t.add({ name: 'passthrough', role: 'app' }, done([], { kind: 'passthrough', startedAt: 101 }), 109);
  assert.equal(t.total.iamInFlightAtRemoval, 2);
  assert.equal(t.total.heldOverOneSecond, 1);
  assert.equal(t.windows.get('sts')?.heldOverOneSecond, 1);
  assert.equal(t.total.requests, 2, 'requests are answers');
});
