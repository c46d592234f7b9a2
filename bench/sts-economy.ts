// Section 4: STS calls, counted. The real proxy runs in this process (startProxy) with a fake clock and a
// counting STS gateway in front of the offline one; callers are real HTTP clients on their own loopback
// addresses. Hours of background refresh pass in milliseconds of fake time.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startProxy, type RunningProxy } from '../src/main.js';
import { loadConfig } from '../src/config/load.js';
import type { Config } from '../src/config/types.js';
import { DEFAULT_REFRESH_JITTER_MS } from '../src/credentials/cache.js';
import { OfflineStsGateway } from '../src/credentials/offline-sts.js';
import type { AssumeRoleRequest } from '../src/roles/assume-request.js';
import type { AwsCredentials } from '../src/imds/aws-credentials.js';
import type { StsGateway } from '../src/credentials/types.js';
import { noopMetrics, type Metrics } from '../src/observability/metrics.js';
import { FakeClock } from '../tests/helpers/fake-clock.js';
import type { BenchContext } from './context.js';
import { ACCOUNT_ID, benchCallers, callerAddress, CREDENTIALS_PREFIX, mappingFile, type BenchCaller } from './callers.js';
import { probe } from './http-probe.js';
import { row, type Row, type SectionResult } from './report.js';

const SECTION = 'sts';
const CONCURRENT_COLD = 500;
const CALLERS = 1_000;
const ROLES = 50;
const SIMULATED_HOURS = 6;
/** Deterministic stand-in for the refresh jitter's randomness, so the expected count is exact. */
const FIXED_RANDOM = 0.5;
const HTTP_CONCURRENCY = 64;

/** Counts AssumeRole calls; can hold them until released, so many requests pile up on one cold key. */
class CountingSts implements StsGateway {
  calls = 0;
  private held: Promise<void> | undefined;
  private releaseHeld: (() => void) | undefined;

  constructor(private readonly inner: StsGateway) {}

  hold(): void {
    this.held = new Promise((resolve) => (this.releaseHeld = resolve));
  }

  release(): void {
    this.releaseHeld?.();
    this.held = undefined;
  }

  async assumeRole(request: AssumeRoleRequest): Promise<AwsCredentials> {
    this.calls++;
    if (this.held !== undefined) await this.held;
    return this.inner.assumeRole(request);
  }
}

function benchConfig(env: Record<string, string>): Config {
  const loaded = loadConfig({
    argv: [],
    env: { HOST: '127.0.0.1', PORT: '0', MOCK_API: 'true', STS_MODE: 'offline', DOCKER: 'false', DEFAULT_ACCOUNT_ID: ACCOUNT_ID, ...env },
    readFile: (path) => readFileSync(path, 'utf8'),
  });
  if (!loaded.ok) throw new Error(`bench config: ${loaded.errors.join('; ')}`);
  if (loaded.action !== 'run') throw new Error('bench config: unexpected action');
  return loaded.config;
}

async function inProcessProxy(env: Record<string, string>, metrics: Metrics = noopMetrics) {
  const clock = new FakeClock();
  const sts = new CountingSts(new OfflineStsGateway({ clock, random: () => FIXED_RANDOM }));
  const config = benchConfig(env);
  const proxy = await startProxy(config, { clock, random: () => FIXED_RANDOM, sts, metrics });
  return { clock, sts, config, proxy };
}

/** One credentials request per caller, `HTTP_CONCURRENCY` at a time; returns how many answered 200. */
async function requestAll(port: number, callers: readonly BenchCaller[], concurrency: number): Promise<number> {
  let next = 0;
  let ok = 0;
  const worker = async () => {
    while (next < callers.length) {
      const caller = callers[next++]!;
      const answer = await probe({ port, path: CREDENTIALS_PREFIX + caller.role, localAddress: caller.address });
      if (answer.status === 200) ok++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, callers.length) }, worker));
  return ok;
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return true;
}

function countRow(measurement: string, calls: number, expected: number, answered: number, requests: number): Row {
  const allAnswered = answered === requests;
  return row(SECTION, measurement, {
    ours: `${calls} STS calls, ${answered}/${requests} answered 200`,
    reference: `${expected} expected`,
    target: `= ${expected}`,
    verdict: calls === expected && allAnswered ? 'ok' : 'MISS',
  });
}

/** 500 requests for one key that nothing has fetched yet (DEFAULT_ROLE for unmapped callers: no prefetch). */
async function concurrentColdRequests(): Promise<{ row: Row; data: unknown }> {
  let misses = 0;
  const metrics: Metrics = { ...noopMetrics, cache: (event) => void (event === 'miss' && misses++) };
  const { sts, proxy } = await inProcessProxy({ DEFAULT_ROLE: 'bench-cold' }, metrics);
  try {
    sts.hold();
    const callers = Array.from({ length: CONCURRENT_COLD }, (_, i) => ({ address: callerAddress(i), role: 'bench-cold' }));
    const answered = requestAll(proxy.port, callers, CONCURRENT_COLD);
    // Release STS once every request has reached the cache (or after a bound, reported as is).
    const allWaiting = await until(() => misses >= CONCURRENT_COLD, 10_000);
    sts.release();
    const ok = await answered;
    return {
      row: countRow(`${CONCURRENT_COLD} concurrent cold requests, one key`, sts.calls, 1, ok, CONCURRENT_COLD),
      data: { calls: sts.calls, answered: ok, cacheMissesBeforeRelease: misses, allWaitingTogether: allWaiting },
    };
  } finally {
    await proxy.close();
  }
}

/** Calls one key makes over `spanMs` when refreshed in the background: the first fetch, then one per period. */
function expectedCallsPerKey(config: Config, spanMs: number): { perKey: number; periodMs: number } {
  const lifetimeMs = config.roleDurationSeconds * 1000;
  const slackMs = lifetimeMs - config.refreshBeforeExpiryMs;
  const periodMs = slackMs - FIXED_RANDOM * Math.min(DEFAULT_REFRESH_JITTER_MS, slackMs / 2);
  return { perKey: 1 + Math.floor(spanMs / periodMs), periodMs };
}

async function callersOnRoles(context: BenchContext): Promise<{ rows: Row[]; data: unknown }> {
  const callers = benchCallers(CALLERS, ROLES);
  const mappingPath = join(context.workDir, 'sts-mapping.json');
  await writeFile(mappingPath, mappingFile(callers));
  const { clock, sts, config, proxy } = await inProcessProxy({ ROLE_MAPPING_FILE: mappingPath });
  try {
    // Prefetch runs as the mapping loads; wait for it to finish before counting.
    await until(() => freshKeys(proxy) === ROLES && sts.calls >= ROLES, 10_000);
    const answered = await requestAll(proxy.port, callers, HTTP_CONCURRENCY);
    const afterRequests = sts.calls;

    const spanMs = SIMULATED_HOURS * 3_600_000;
    const { perKey, periodMs } = expectedCallsPerKey(config, spanMs);
    await clock.advance(spanMs);
    const afterHours = sts.calls;
    const answeredAfter = await requestAll(proxy.port, callers.slice(0, ROLES), HTTP_CONCURRENCY);
    const rows = [
      countRow(`${CALLERS.toLocaleString('en-US')} callers on ${ROLES} roles, one request each`, afterRequests, ROLES, answered, CALLERS),
      countRow(
        `${SIMULATED_HOURS} h of background refresh (${ROLES} keys x ${perKey} calls)`,
        sts.calls,
        ROLES * perKey,
        answeredAfter,
        ROLES,
      ),
    ];
    const data = {
      callsAfterRequests: afterRequests,
      callsAfterSimulatedHours: afterHours,
      callsAfterLastRequests: sts.calls,
      expectedPerKey: perKey,
      refreshPeriodMin: periodMs / 60_000,
      roleDurationSeconds: config.roleDurationSeconds,
      refreshBeforeExpiryMin: config.refreshBeforeExpiryMs / 60_000,
    };
    return { rows, data };
  } finally {
    await proxy.close();
  }
}

function freshKeys(proxy: RunningProxy): number {
  return proxy.cache.entries().filter((entry) => entry.state === 'fresh').length;
}

export async function stsEconomySection(context: BenchContext): Promise<SectionResult> {
  const cold = await concurrentColdRequests();
  const roles = await callersOnRoles(context);
  return { rows: [cold.row, ...roles.rows], data: { concurrentCold: cold.data, callersOnRoles: roles.data }, notes: [] };
}
