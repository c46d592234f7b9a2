import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../src/observability/logger.js';
import { createUpstreamTokens, type TokenFetchResult } from '../../src/upstream/upstream-token.js';
import { manualClock } from './harness.js';

const HOUR = 3_600_000;

/** A fake upstream token endpoint: answers from a script, or hands out numbered tokens. */
function scriptedFetch(script: Array<TokenFetchResult | Error> = []) {
  let issued = 0;
  const calls: number[] = [];
  let held: Promise<void> | undefined;
  let release = (): void => {};
  return {
    calls,
    /** Hold every fetch until `open()`; lets a test see what happens while a PUT is in flight. */
    hold() {
      held = new Promise<void>((resolve) => (release = resolve));
    },
    open() {
      release();
      held = undefined;
    },
    async fetchToken(ttlSeconds: number): Promise<TokenFetchResult> {
      calls.push(ttlSeconds);
      if (held !== undefined) await held;
      const next = script.shift();
      if (next instanceof Error) throw next;
      return next ?? { kind: 'token', token: `token-${++issued}`, ttlSeconds };
    },
  };
}

function setup(script?: Array<TokenFetchResult | Error>) {
  const clock = manualClock();
  const upstream = scriptedFetch(script);
  const tokens = createUpstreamTokens({ fetchToken: upstream.fetchToken, clock, logger: silentLogger });
  return { clock, upstream, tokens };
}

test('asks for the maximum lifetime once and reuses the token', async () => {
  const { upstream, tokens } = setup();
  assert.equal(await tokens.current(), 'token-1');
  assert.equal(await tokens.current(), 'token-1');
  assert.deepEqual(upstream.calls, [21600]);
});

test('concurrent first requests share one PUT', async () => {
  const { upstream, tokens } = setup();
  const all = await Promise.all(Array.from({ length: 100 }, () => tokens.current()));
  assert.deepEqual(new Set(all), new Set(['token-1']));
  assert.equal(upstream.calls.length, 1);
});

test('refreshes in the background inside the refresh margin, keeping the old token meanwhile', async () => {
  const { clock, upstream, tokens } = setup();
  await tokens.current();
  clock.advance(6 * HOUR - 4 * 60_000); // 4 minutes left: inside the 5-minute margin, still usable
  upstream.hold();
  assert.equal(await tokens.current(), 'token-1');
  assert.equal(await tokens.current(), 'token-1');
  assert.equal(upstream.calls.length, 2, 'one background refresh, not one per request');
  upstream.open();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(await tokens.current(), 'token-2');
});

test('waits for a new token once the old one is too close to expiry', async () => {
  const { clock, upstream, tokens } = setup();
  await tokens.current();
  clock.advance(6 * HOUR - 5_000); // 5 s left: under the 10 s expiry margin
  assert.equal(await tokens.current(), 'token-2');
  assert.equal(upstream.calls.length, 2);
});

test('a shorter lifetime granted by the upstream moves the refresh earlier', async () => {
  const { clock, upstream, tokens } = setup([{ kind: 'token', token: 'short', ttlSeconds: 60 }]);
  assert.equal(await tokens.current(), 'short');
  clock.advance(55_000); // past 60 s minus a tenth: no longer usable
  assert.equal(await tokens.current(), 'token-1');
  assert.equal(upstream.calls.length, 2);
});

test('an upstream without tokens gets IMDSv1 requests and a retry later, with growing delays', async () => {
  const refused: TokenFetchResult = { kind: 'refused', reason: 'unsupported (status 404)' };
  const { clock, upstream, tokens } = setup([refused, refused]);
  assert.equal(await tokens.current(), undefined);
  assert.equal(await tokens.current(), undefined);
  assert.equal(upstream.calls.length, 1, 'no new PUT while backing off');
  clock.advance(5_000);
  assert.equal(await tokens.current(), undefined);
  assert.equal(upstream.calls.length, 2);
  clock.advance(5_000); // the second delay is 10 s
  assert.equal(await tokens.current(), undefined);
  assert.equal(upstream.calls.length, 2);
  clock.advance(5_000);
  assert.equal(await tokens.current(), 'token-1');
  assert.equal(upstream.calls.length, 3);
});

test('a failing PUT (network error) counts as refused and never rejects', async () => {
  const { upstream, tokens } = setup([Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })]);
  assert.equal(await tokens.current(), undefined);
  assert.equal(upstream.calls.length, 1);
});

test('a failed background refresh keeps the still-valid token', async () => {
  const { clock, upstream, tokens } = setup([{ kind: 'token', token: 'first', ttlSeconds: 21600 }, new Error('boom')]);
  await tokens.current();
  clock.advance(6 * HOUR - 4 * 60_000);
  assert.equal(await tokens.current(), 'first');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(await tokens.current(), 'first');
  assert.equal(upstream.calls.length, 2, 'backing off after the failed refresh');
});

test('a rejected token is dropped and replaced; a stale rejection does not drop the new one', async () => {
  const { upstream, tokens } = setup();
  assert.equal(await tokens.current(), 'token-1');
  tokens.rejected('token-1');
  assert.equal(await tokens.current(), 'token-2');
  tokens.rejected('token-1');
  assert.equal(await tokens.current(), 'token-2');
  assert.equal(upstream.calls.length, 2);
});

test('a 401 to an IMDSv1 request ends the back-off: the next request asks for a token at once', async () => {
  const { upstream, tokens } = setup([{ kind: 'refused', reason: 'failed (status 500)' }]);
  assert.equal(await tokens.current(), undefined);
  tokens.rejected(undefined);
  assert.equal(await tokens.current(), 'token-1');
  assert.equal(upstream.calls.length, 2);
});
