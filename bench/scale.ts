// Section 3: does the cost of a warm request depend on how many callers are indexed? Three proxies with
// 10, 1 000 and 10 000 mapped callers take turns under the same load (256 open connections on as many
// caller addresses as the fleet has, the next ones each slice), consecutive requests from different
// callers. RSS is read once the callers are loaded (indexed, credentials prefetched), after one request
// from every caller, and at its peak.
import { addressLoad, requestFromEveryCaller, type BenchContext } from './context.js';
import { benchCallers, CREDENTIALS_PREFIX, type BenchCaller } from './callers.js';
import { waitForStatus } from './http-probe.js';
import { measureInterleaved, qualityNotes, throughputRatio, warmUp, type MeasuredSide, type SideFigures } from './measure.js';
import { memoryMb } from './processes.js';
import { launchProxy, proxyAvailable, type RunningProxy } from './proxy-process.js';
import { ms, rate, ratio, row, verdict, type Row, type SectionResult } from './report.js';

const SECTION = 'scale';
const CALLER_COUNTS = [10, 1_000, 10_000];
const ROLES = 50;
/** Open connections, one caller address each; each slice takes the next callers in turn. */
const POOL = 256;
const IN_FLIGHT = 64;
const RSS_LIMIT_MB = 100;
const PREFETCH_SETTLE_MS = 500;

interface Fleet {
  count: number;
  callers: BenchCaller[];
  proxy: RunningProxy;
  memory: { loadedMb?: number; servedMb?: number; peakMb?: number };
}

function targets(callers: readonly BenchCaller[]) {
  return callers.map((c) => ({ localAddress: c.address, path: CREDENTIALS_PREFIX + c.role }));
}

function sideOf(context: BenchContext, fleet: Fleet): MeasuredSide {
  const all = targets(fleet.callers);
  let next = 0;
  const nextPool = () => Array.from({ length: POOL }, () => all[next++ % all.length]!);
  return {
    name: String(fleet.count),
    serverPid: fleet.proxy.pid,
    run: (durationS) => addressLoad(context, { host: '127.0.0.1', port: fleet.proxy.port, inFlight: IN_FLIGHT, targets: nextPool(), durationS }),
  };
}

/** One request from every caller, so each is indexed, resolved and has credentials: then RSS. */
async function serveEveryCaller(context: BenchContext, fleet: Fleet): Promise<void> {
  const { ok, failed } = await requestFromEveryCaller(context, {
    host: '127.0.0.1',
    port: fleet.proxy.port,
    targets: targets(fleet.callers),
    concurrency: IN_FLIGHT,
  });
  if (ok !== fleet.callers.length) throw new Error(`${fleet.count} callers: ${ok} of ${fleet.callers.length} answered 200 (${failed} failed)`);
  fleet.memory.servedMb = memoryMb(fleet.proxy.pid).rss;
}

function rows(fleets: readonly Fleet[], figures: Map<string, SideFigures>): Row[] {
  const smallest = figures.get(String(CALLER_COUNTS[0]));
  const out: Row[] = [];
  for (const fleet of fleets) {
    const f = figures.get(String(fleet.count));
    const versusSmallest = f && smallest ? throughputRatio(f, smallest) : undefined;
    const isLargest = fleet.count === CALLER_COUNTS[CALLER_COUNTS.length - 1];
    out.push(
      row(SECTION, `${fleet.count.toLocaleString('en-US')} callers: req/s, p50 / p99 ms (ref: ${CALLER_COUNTS[0]} callers)`, {
        ours: `${rate(f?.requestsPerS)}, ${ms(f?.p50Ms)} / ${ms(f?.p99Ms)}`,
        reference: fleet === fleets[0] ? '' : rate(smallest?.requestsPerS),
        ratio: fleet === fleets[0] ? '' : ratio(versusSmallest),
        ...(isLargest ? { target: '>= 0.90', verdict: verdict(versusSmallest, 0.9, 'atLeast') } : {}),
      }),
    );
  }
  for (const { count, memory } of fleets) {
    out.push(
      row(SECTION, `${count.toLocaleString('en-US')} callers: proxy RSS MB loaded / every caller served / peak`, {
        ours: `${ms(memory.loadedMb, 1)} / ${ms(memory.servedMb, 1)} / ${ms(memory.peakMb, 1)}`,
        ...(count === 1_000 ? { target: `< ${RSS_LIMIT_MB} loaded`, verdict: verdict(memory.loadedMb, RSS_LIMIT_MB, 'atMost') } : {}),
      }),
    );
  }
  return out;
}

export async function scaleSection(context: BenchContext): Promise<SectionResult> {
  const { settings } = context;
  if (!proxyAvailable()) {
    return { rows: [row(SECTION, 'lookup cost vs callers', { ours: 'n/a', verdict: 'n/a' })], data: null, notes: ['dist/src/cli.js is missing: proxy not built'] };
  }
  const fleets: Fleet[] = [];
  try {
    for (const count of CALLER_COUNTS) {
      const callers = benchCallers(count, ROLES);
      const proxy = await launchProxy({ workDir: context.workDir, name: `scale-${count}`, callers, cpu: settings.serverCpu });
      const fleet: Fleet = { count, callers, proxy, memory: {} };
      fleets.push(fleet);
      const last = callers[callers.length - 1]!;
      await waitForStatus({ port: proxy.port, path: CREDENTIALS_PREFIX + last.role, localAddress: last.address }, 200, 30_000);
      // The last caller answers once the mapping is indexed; prefetch (offline STS) finishes right behind it.
      await new Promise((resolve) => setTimeout(resolve, PREFETCH_SETTLE_MS));
      fleet.memory.loadedMb = memoryMb(proxy.pid).rss;
    }
    for (const fleet of fleets) await serveEveryCaller(context, fleet);
    const sides = fleets.map((fleet) => sideOf(context, fleet));
    await warmUp(sides, settings.warmupS);
    // Half the time of the baseline comparison: the three fleets compare with each other, in one run budget.
    const figures = await measureInterleaved(sides, context.loadGenerator.pid, settings.slices, settings.durationS / 2 / settings.slices);
    const notes = [...figures].flatMap(([n, f]) => qualityNotes(`${n} callers`, f, true));
    for (const fleet of fleets) fleet.memory.peakMb = memoryMb(fleet.proxy.pid).peak;
    const data = fleets.map((fleet) => ({ callers: fleet.count, rssMb: fleet.memory, ...figures.get(String(fleet.count)) }));
    return { rows: rows(fleets, figures), data, notes };
  } finally {
    await Promise.all(fleets.map((fleet) => fleet.proxy.stop()));
  }
}
