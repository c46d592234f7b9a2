// Section 5: how long until the proxy answers after it starts, and what a caller pays when its credentials
// are not cached yet. The second uses the real AWS SDK against the STS test server (50 ms per call), for a
// caller the proxy could not prefetch: an unmapped address served through DEFAULT_ROLE. Its reference is
// what the same request costs once cached (on a fresh connection too: connecting alone takes a millisecond
// or two on a VM) plus the same AssumeRole made by a warm SDK client in its own process on the proxy's CPU,
// so the difference is what the missing cache entry costs beyond STS itself.
import type { BenchContext } from './context.js';
import { FakeAws } from '../tests/helpers/fake-aws.js';
import { CREDENTIALS_PREFIX, callerAddress } from './callers.js';
import { probe, waitForStatus } from './http-probe.js';
import { median } from './measure.js';
import { launchProxy, proxyAvailable } from './proxy-process.js';
import { WorkerProcess } from './processes.js';
import type { SdkRoundTripJob } from './sdk-client.js';
import { ms, row, verdict, type SectionResult } from './report.js';

const SECTION = 'cold start';
const ROUNDS = 3;
const ROLE = 'bench-role';
const DEFAULT_ROLE = 'bench-default';
const STS_DELAY_MS = 50;
const OVERHEAD_LIMIT_MS = 5;
const SDK_SAMPLES = 5;
const FAKE_ACCESS_KEY_ID = 'AKIABENCHBENCHBENCH0';
const FAKE_SECRET_ACCESS_KEY = 'bench-secret-key-not-valid-anywhere-000000';
/** Polling step while waiting for the first answer: the resolution of the start-up figure. */
const POLL_MS = 1;

const mappedCaller = { address: '127.0.0.1', role: ROLE };
/**
 * Mapped callers on as many roles, prefetched at start: their AssumeRole calls warm the proxy's SDK client
 * the way a running host does, so the new caller pays for STS, not for the SDK's first calls.
 */
const WARMING_ROLES = 20;
const warmingCallers = [mappedCaller, ...Array.from({ length: WARMING_ROLES - 1 }, (_, i) => ({ address: callerAddress(i), role: `${ROLE}-${i}` }))];

/** Spawn → first 200 on the credentials route, offline STS. */
async function startupMs(context: BenchContext, round: number): Promise<number> {
  const proxy = await launchProxy({ workDir: context.workDir, name: `startup-${round}`, callers: [mappedCaller], cpu: context.settings.serverCpu });
  try {
    await waitForStatus({ port: proxy.port, path: CREDENTIALS_PREFIX + ROLE }, 200, 10_000, POLL_MS);
    return performance.now() - proxy.spawnedAt;
  } finally {
    await proxy.stop();
  }
}

interface NewCaller {
  firstMs: number;
  secondMs: number;
  /** AssumeRole calls the first request caused: 1 if it was really cold. */
  stsCalls: number;
}

async function newCaller(context: BenchContext, sts: FakeAws, round: number): Promise<NewCaller> {
  const proxy = await launchProxy({
    workDir: context.workDir,
    name: `new-caller-${round}`,
    callers: warmingCallers,
    cpu: context.settings.serverCpu,
    env: {
      STS_MODE: 'aws',
      DEFAULT_ROLE,
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_STS: sts.url,
      AWS_ENDPOINT_URL_IAM: sts.url,
      AWS_ACCESS_KEY_ID: FAKE_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: FAKE_SECRET_ACCESS_KEY,
      AWS_EC2_METADATA_DISABLED: 'true',
    },
  });
  try {
    // Once every mapped caller answers, their prefetch is done and the SDK and its connections are warm.
    for (const caller of warmingCallers) {
      await waitForStatus({ port: proxy.port, path: CREDENTIALS_PREFIX + caller.role, localAddress: caller.address }, 200, 10_000);
    }
    const request = { port: proxy.port, path: CREDENTIALS_PREFIX + DEFAULT_ROLE, localAddress: callerAddress(9_000 + round) };
    const callsBefore = sts.count('AssumeRole');
    const timed = async () => {
      const started = performance.now();
      const answer = await probe(request);
      if (answer.status !== 200) throw new Error(`new caller answered ${answer.status}`);
      return performance.now() - started;
    };
    const firstMs = await timed();
    const stsCalls = sts.count('AssumeRole') - callsBefore;
    return { firstMs, secondMs: await timed(), stsCalls };
  } finally {
    await proxy.stop();
  }
}

/**
 * What STS costs through the SDK itself (signing, HTTP, XML) on top of the server's delay: a warm client in
 * a process of its own on the proxy's CPU, calling the same STS test server. The proxy cannot answer faster.
 */
async function sdkRoundTripMs(context: BenchContext, sts: FakeAws): Promise<number> {
  const client = WorkerProcess.start(new URL('./sdk-client.js', import.meta.url).pathname, [], { cpu: context.settings.serverCpu });
  try {
    const job: SdkRoundTripJob = { endpoint: sts.url, accessKeyId: FAKE_ACCESS_KEY_ID, secretAccessKey: FAKE_SECRET_ACCESS_KEY, samples: SDK_SAMPLES };
    return await client.request<number>({ job });
  } finally {
    await client.stop();
  }
}

export async function coldStartSection(context: BenchContext): Promise<SectionResult> {
  if (!proxyAvailable()) {
    return { rows: [row(SECTION, 'start-up and first requests', { ours: 'n/a', verdict: 'n/a' })], data: null, notes: ['dist/src/cli.js is missing: proxy not built'] };
  }
  const startups: number[] = [];
  for (let round = 0; round < ROUNDS; round++) startups.push(await startupMs(context, round));

  const sts = await FakeAws.start();
  sts.delayMs = STS_DELAY_MS;
  const callers: NewCaller[] = [];
  let sdkMs: number;
  try {
    sdkMs = await sdkRoundTripMs(context, sts);
    for (let round = 0; round < ROUNDS; round++) callers.push(await newCaller(context, sts, round));
  } finally {
    await sts.close();
  }
  const first = median(callers.map((c) => c.firstMs));
  const cached = median(callers.map((c) => c.secondMs));
  const overhead = first - cached - sdkMs;
  const notes = callers.some((c) => c.stsCalls !== 1)
    ? [`a new caller's first request made ${callers.map((c) => c.stsCalls).join('/')} STS calls (expected 1 each): not a cold measurement`]
    : [];
  return {
    rows: [
      row(SECTION, `process start -> first 200 ms (offline STS, median of ${ROUNDS})`, { ours: ms(median(startups), 0) }),
      row(SECTION, `new caller, not cached: first request ms (ref: cached + SDK AssumeRole, STS delay ${STS_DELAY_MS} ms)`, {
        ours: ms(first, 1),
        reference: `${ms(cached, 1)} + ${ms(sdkMs, 1)}`,
        ratio: `+${ms(overhead, 1)}`,
        target: `<= +${OVERHEAD_LIMIT_MS}`,
        verdict: verdict(overhead, OVERHEAD_LIMIT_MS, 'atMost'),
      }),
      row(SECTION, 'same caller, second request (cached) ms', { ours: ms(cached, 2) }),
    ],
    data: { startupMs: startups, newCaller: callers, stsDelayMs: STS_DELAY_MS, sdkRoundTripMs: sdkMs },
    notes,
  };
}
