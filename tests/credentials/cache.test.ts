import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CredentialCache, type CachedCredentials, type CredentialCacheOptions } from '../../src/credentials/cache.js';
import { StsError } from '../../src/credentials/sts-error.js';
import type { AssumeRoleRequest } from '../../src/roles/assume-request.js';
import { credentialsBody } from '../../src/imds/answers.js';
import { silentLogger } from '../../src/observability/logger.js';
import { FakeClock, settle } from '../helpers/fake-clock.js';
import { recordingLogger } from '../helpers/recording-logger.js';
import { CountingMetrics, ScriptedSts } from './doubles.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** The configuration's default (ROLE_EXPIRATION_THRESHOLD 30). */
const DEFAULT_THRESHOLD_MS = 30 * MINUTE;

function request(role = 'web', extra: Partial<AssumeRoleRequest> = {}): AssumeRoleRequest {
  return { roleArn: `arn:aws:iam::123456789012:role/${role}`, sessionName: 'metadataproxy', durationSeconds: 3600, ...extra };
}

function setup(options: Partial<CredentialCacheOptions> = {}) {
  const clock = new FakeClock();
  const sts = new ScriptedSts(clock);
  const metrics = new CountingMetrics();
  const cache = new CredentialCache({
    sts,
    clock,
    random: () => 0.5,
    refreshBeforeExpiryMs: DEFAULT_THRESHOLD_MS,
    metrics,
    logger: silentLogger,
    ...options,
  });
  return { clock, sts, metrics, cache };
}

/** A served entry: synchronous, as the hot path requires. */
function warm(cache: CredentialCache, req: AssumeRoleRequest): CachedCredentials {
  const served = cache.get(req);
  assert.ok(!(served instanceof Promise), 'expected a warm, synchronous answer');
  return served;
}

function isStsError(status: number, code?: string) {
  return (error: unknown) => error instanceof StsError && error.status === status && (code === undefined || error.code === code);
}

describe('CredentialCache: misses and the hot path', () => {
  it('shares one STS call among 200 concurrent cold requests', async () => {
    const { cache, sts, metrics } = setup();
    sts.holding = true;
    const req = request();
    const waiting = Array.from({ length: 200 }, () => cache.get(req));
    assert.ok(waiting.every((w) => w instanceof Promise));
    await settle();
    assert.equal(sts.calls.length, 1);
    sts.releaseHeld();
    const entries = await Promise.all(waiting);
    assert.ok(entries.every((e) => e === entries[0]));
    assert.equal(sts.calls.length, 1);
    assert.equal(metrics.cacheEvents.miss, 200);
    assert.equal(metrics.stsCalls.success, 1);
    cache.close();
  });

  it('shares one call among equal requests that are different objects', async () => {
    const { cache, sts } = setup();
    await Promise.all(Array.from({ length: 20 }, () => cache.get(request())));
    assert.equal(sts.calls.length, 1);
    cache.close();
  });

  it('answers warm requests synchronously with the same pre-serialized entry', async () => {
    const { cache, clock, metrics } = setup();
    const req = request();
    const first = await cache.get(req);
    const again = warm(cache, req);
    assert.equal(again, first);
    assert.deepEqual(again.body, credentialsBody(first.credentials, new Date(clock.now())));
    assert.equal(again.lastUpdated.getTime(), clock.now());
    assert.equal(cache.getByKey(cache.keyOf(req)), first);
    assert.equal(metrics.cacheEvents.hit, 2);
    cache.close();
  });

  it('keeps different keys apart', async () => {
    const { cache, sts } = setup();
    const [a, b, c] = await Promise.all([cache.get(request('a')), cache.get(request('b')), cache.get(request('a', { externalId: 'x' }))]);
    assert.equal(sts.calls.length, 3);
    assert.notEqual(a.credentials.accessKeyId, b.credentials.accessKeyId);
    assert.notEqual(a.credentials.accessKeyId, c.credentials.accessKeyId);
    cache.close();
  });

  it('answers getByKey with undefined for unknown keys, without fetching', () => {
    const { cache, sts } = setup();
    assert.equal(cache.getByKey('nope'), undefined);
    assert.equal(sts.calls.length, 0);
  });
});

describe('CredentialCache: refresh ahead of expiry', () => {
  for (const r of [0, 0.5, 0.999]) {
    it(`refreshes at threshold + jitter before expiry (random ${r})`, async () => {
      const { cache, sts, clock } = setup({ random: () => r, refreshJitterMs: 5 * MINUTE });
      const req = request();
      const start = clock.now();
      cache.retain(req);
      await settle();
      assert.equal(sts.calls.length, 1);
      const due = start + HOUR - DEFAULT_THRESHOLD_MS - r * 5 * MINUTE;
      await clock.advanceTo(Math.ceil(due) - 1);
      assert.equal(sts.calls.length, 1, 'not before it is due');
      await clock.advanceTo(Math.ceil(due));
      assert.equal(sts.calls.length, 2, 'refreshed when due');
      cache.close();
    });
  }

  it('spreads refreshes of keys fetched together within the jitter window', async () => {
    const { cache, sts, clock } = setup({ random: Math.random });
    const start = clock.now();
    for (let i = 0; i < 50; i++) cache.retain(request(`role-${i}`));
    await clock.advance(31 * MINUTE); // second refreshes come 25 minutes after the first at the earliest
    const refreshTimes = sts.calls.filter((c) => c.at > start).map((c) => c.at - start);
    assert.equal(refreshTimes.length, 50);
    for (const t of refreshTimes) assert.ok(t >= 25 * MINUTE && t <= 30 * MINUTE, `refresh after ${t / MINUTE} min`);
    assert.ok(new Set(refreshTimes).size > 1, 'not all at once');
    cache.close();
  });

  it('serves credentials with more than 25 minutes left throughout 6 hours (default threshold)', async () => {
    const { cache, clock } = setup({ random: Math.random });
    const req = request();
    cache.retain(req);
    await settle();
    let minimumLeft = Infinity;
    await clock.walk(6 * HOUR, 10_000, () => {
      minimumLeft = Math.min(minimumLeft, warm(cache, req).expiresAt - clock.now());
    });
    assert.ok(minimumLeft > 25 * MINUTE, `minimum left ${minimumLeft / MINUTE} min`);
    assert.ok(minimumLeft >= DEFAULT_THRESHOLD_MS);
    cache.close();
  });

  it('costs exactly keys × refreshes STS calls over 6 simulated hours, however many requests', async () => {
    const { cache, sts, clock } = setup({ random: () => 0.5, refreshJitterMs: 5 * MINUTE });
    const keys = Array.from({ length: 50 }, (_, i) => request(`role-${i}`));
    for (const req of keys) cache.retain(req);
    await clock.walk(6 * HOUR, MINUTE, () => {
      for (const req of keys) warm(cache, req);
    });
    // Refresh every 60 − 30 − 2.5 = 27.5 minutes: the first fetch and 13 refreshes in 6 hours.
    const perKey = 1 + Math.floor((6 * HOUR) / (27.5 * MINUTE));
    assert.equal(perKey, 14);
    for (const req of keys) assert.equal(sts.callsFor(req.roleArn).length, perKey);
    assert.equal(sts.calls.length, keys.length * perKey);
    cache.close();
  });

  it('refreshes short-lived credentials halfway instead of in a loop', async () => {
    const { cache, sts, clock } = setup();
    sts.lifetimeMs = 20 * MINUTE; // shorter than the 30-minute threshold
    const req = request();
    cache.retain(req);
    await clock.advance(HOUR);
    assert.equal(sts.calls.length, 1 + 6, 'every 10 minutes');
    warm(cache, req);
    cache.close();
  });
});

describe('CredentialCache: STS failures', () => {
  it('keeps serving unexpired credentials while STS fails, retries with growing backoff, and recovers', async () => {
    const { logger, lines } = recordingLogger();
    const { cache, sts, clock, metrics } = setup({ random: () => 0.5, logger, minBackoffMs: 1_000, maxBackoffMs: 60_000 });
    const req = request();
    cache.retain(req);
    await settle();
    const original = warm(cache, req);
    sts.failure = new StsError(503, 'Throttling', 'Rate exceeded');

    const refreshAt = clock.now() + 27.5 * MINUTE;
    await clock.advanceTo(refreshAt);
    assert.equal(sts.calls.length, 2, 'refresh attempted');
    await clock.advance(10 * MINUTE);
    assert.equal(warm(cache, req), original, 'still served from cache');

    const retryGaps = sts.calls.slice(1).map((c, i, all) => (i === 0 ? 0 : c.at - all[i - 1]!.at)).slice(1);
    // With random 0.5 each delay is 3/4 of min(60 s, 1 s × 2^(n−1)).
    assert.deepEqual(retryGaps.slice(0, 7), [750, 1_500, 3_000, 6_000, 12_000, 24_000, 45_000]);
    assert.ok(retryGaps.every((gap) => gap <= 60_000), 'capped');
    assert.equal(metrics.cacheEvents.refresh_failure, sts.calls.length - 1);

    sts.failure = undefined;
    await clock.advance(MINUTE);
    const renewed = warm(cache, req);
    assert.notEqual(renewed, original);
    assert.ok(renewed.expiresAt > original.expiresAt);

    const warnings = lines.filter((l) => l.msg === 'AssumeRole failed; retrying with backoff');
    assert.equal(warnings.length, 1, 'one warning per state change, not per attempt');
    assert.equal(warnings[0]!.code, 'Throttling');
    assert.equal(lines.filter((l) => l.msg === 'AssumeRole succeeds again').length, 1);
    cache.close();
  });

  it('never serves expired credentials: past expiry the caller gets the STS error', async () => {
    const { cache, sts, clock } = setup();
    const req = request();
    cache.retain(req);
    await settle();
    const original = warm(cache, req);
    sts.failure = new StsError(503, 'ServiceUnavailable', 'down');
    await clock.advanceTo(original.expiresAt - 1);
    assert.equal(warm(cache, req), original);
    await clock.advanceTo(original.expiresAt);
    assert.equal(cache.getByKey(cache.keyOf(req)), undefined);
    const served = cache.get(req);
    assert.ok(served instanceof Promise);
    await assert.rejects(served, isStsError(503, 'ServiceUnavailable'));
    await clock.advance(HOUR);
    await assert.rejects(Promise.resolve(cache.get(req)), isStsError(503));
    sts.failure = undefined;
    await clock.advance(MINUTE);
    assert.ok(warm(cache, req).expiresAt > clock.now(), 'recovers through its retries');
    cache.close();
  });

  it('refuses credentials that arrive already expired', async () => {
    const { cache, sts } = setup();
    sts.lifetimeMs = 0;
    await assert.rejects(Promise.resolve(cache.get(request())), isStsError(503, 'ExpiredOnArrival'));
    cache.close();
  });

  it('passes 404-class errors through and turns unexpected ones into 503', async () => {
    const { cache, sts, clock } = setup();
    sts.failure = new StsError(404, 'AccessDenied', 'not authorized');
    await assert.rejects(Promise.resolve(cache.get(request('a'))), isStsError(404, 'AccessDenied'));
    sts.failure = new TypeError('bug in a gateway');
    await assert.rejects(Promise.resolve(cache.get(request('b'))), isStsError(503));
    const throwsSynchronously = setup({ sts: { assumeRole: () => { throw new Error('sync'); } }, clock });
    await assert.rejects(Promise.resolve(throwsSynchronously.cache.get(request())), isStsError(503));
    cache.close();
    throwsSynchronously.cache.close();
  });

  it('answers misses from the last error while backing off, instead of calling STS again', async () => {
    const { cache, sts, clock } = setup({ random: () => 0.5, minBackoffMs: 1_000 });
    sts.failure = new StsError(404, 'AccessDenied', 'no');
    const req = request();
    await assert.rejects(Promise.resolve(cache.get(req)), isStsError(404));
    await assert.rejects(Promise.resolve(cache.get(req)), isStsError(404));
    assert.equal(sts.calls.length, 1);
    await clock.advance(750);
    sts.failure = undefined;
    assert.ok(!((await cache.get(req)) instanceof Promise));
    assert.equal(sts.calls.length, 2);
    cache.close();
  });

  it('keeps secrets out of logs and status', async () => {
    const { logger, lines } = recordingLogger();
    const { cache, sts, clock } = setup({ logger });
    const req = request('web', { externalId: 'external-secret-id' });
    cache.retain(req);
    await settle();
    const { credentials } = warm(cache, req);
    sts.failure = new StsError(503, 'Throttling', 'Rate exceeded');
    await clock.advance(HOUR);
    sts.failure = undefined;
    await clock.advance(HOUR);
    const visible = JSON.stringify(lines) + JSON.stringify(cache.entries());
    for (const secret of [credentials.secretAccessKey, credentials.sessionToken, 'external-secret-id', 'secret-', 'token-']) {
      assert.ok(!visible.includes(secret), `${secret.slice(0, 12)}… leaked`);
    }
    cache.close();
  });
});

describe('CredentialCache: who keeps a key alive', () => {
  it('prefetches on retain, so the first request is warm', async () => {
    const { cache, sts } = setup();
    const req = request();
    cache.retain(req);
    await settle();
    assert.equal(sts.calls.length, 1);
    warm(cache, req);
    assert.equal(sts.calls.length, 1);
    cache.close();
  });

  it('stops refreshing a released key and drops it once expired', async () => {
    const { cache, sts, clock, metrics } = setup();
    const req = request();
    cache.retain(req);
    cache.retain(req);
    await settle();
    cache.release(req);
    await clock.advance(30 * MINUTE);
    assert.equal(sts.calls.length, 2, 'one holder left: still refreshed');
    cache.release(cache.keyOf(req));
    await clock.advance(6 * HOUR);
    assert.equal(sts.calls.length, 2, 'no holder: no more STS calls');
    assert.deepEqual(cache.entries(), []);
    assert.equal(metrics.cacheEvents.evict, 1);
    assert.equal(clock.pendingTimers(), 0);
    cache.close();
  });

  it('keeps refreshing a key requested on demand while requests keep coming, then lets it go', async () => {
    const { cache, sts, clock } = setup({ random: () => 0.5 });
    const req = request();
    await cache.get(req);
    // A client asking every 20 minutes, as SDKs do before their credentials expire.
    await clock.walk(3 * HOUR, 20 * MINUTE, () => void warm(cache, req));
    const whileUsed = sts.calls.length;
    assert.equal(whileUsed, 1 + Math.floor((3 * HOUR) / (27.5 * MINUTE)));
    await clock.advance(6 * HOUR);
    assert.ok(sts.calls.length <= whileUsed + 2, 'stops within one credential lifetime of the last request');
    assert.deepEqual(cache.entries(), []);
    cache.close();
  });

  it('wakes a parked key when it is requested again', async () => {
    const { cache, sts, clock } = setup({ random: () => 0.5 });
    const req = request();
    await cache.get(req);
    // Refreshed at 27.5 and 55 minutes (requested within the last hour), parked at 82.5.
    await clock.advance(HOUR + 30 * MINUTE);
    const parked = cache.entries()[0]!;
    assert.equal(parked.state, 'parked');
    const calls = sts.calls.length;
    const served = warm(cache, req); // still unexpired: served, and the overdue refresh starts
    await settle();
    assert.equal(sts.calls.length, calls + 1);
    assert.notEqual(warm(cache, req), served);
    assert.equal(cache.entries()[0]!.state, 'fresh');
    cache.close();
  });

  it('retaining an on-demand key makes it survive without requests', async () => {
    const { cache, sts, clock } = setup({ random: () => 0.5 });
    const req = request();
    await cache.get(req);
    cache.retain(req);
    await clock.advance(6 * HOUR);
    assert.equal(sts.calls.length, 14);
    warm(cache, req);
    cache.close();
  });

  it('reports entries without secrets and stops all timers on close', async () => {
    const { cache, clock } = setup();
    cache.retain(request('web', { policy: '{"p":1}' }));
    await settle();
    const [status] = cache.entries();
    assert.deepEqual(Object.keys(status!).sort(), ['consecutiveFailures', 'expiration', 'holders', 'key', 'lastUpdated', 'nextRefresh', 'roleArn', 'sessionName', 'state']);
    assert.equal(status!.state, 'fresh');
    assert.equal(status!.holders, 1);
    assert.equal(status!.roleArn, 'arn:aws:iam::123456789012:role/web');
    assert.ok(clock.pendingTimers() > 0);
    cache.close();
    assert.equal(clock.pendingTimers(), 0);
  });
});
