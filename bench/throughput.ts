// Sections 1 and 2: warm credential requests against our proxy and against a bare node:http server that
// answers the same bytes, at 64 and 8 connections, IMDSv1 and IMDSv2, and with a new connection per
// request (`Connection: close`), interleaved in one run.
import type { IncomingHttpHeaders } from 'node:http';
import { autocannonLoad, closeLoad, type BenchContext } from './context.js';
import { CREDENTIALS_PREFIX } from './callers.js';
import { probe, rawAnswer, waitForStatus } from './http-probe.js';
import { measureInterleaved, p99Ratio, qualityNotes, throughputRatio, warmUp, type MeasuredSide, type SideFigures } from './measure.js';
import { WorkerProcess } from './processes.js';
import { launchProxy, proxyAvailable, type RunningProxy } from './proxy-process.js';
import type { RecordedResponse } from './baseline-server.js';
import { ms, rate, ratio, row, verdict, type Row, type SectionResult } from './report.js';

const SECTION = 'throughput';
const ROLE = 'bench-role';
/** autocannon cannot bind a source address, so its caller is 127.0.0.1 itself, mapped like any other. */
const LOOPBACK_CALLER = '127.0.0.1';
const TOKEN_HEADER = 'x-aws-ec2-metadata-token';

interface Scenario {
  label: string;
  path: string;
  connections: number;
  imdsV2: boolean;
  /** A new connection per request, `Connection: close` (SDK clients without keep-alive). */
  connectionClose?: boolean;
}

const ROUTES = [
  { label: 'credentials', path: CREDENTIALS_PREFIX + ROLE, imdsV2: true },
  { label: 'role listing', path: CREDENTIALS_PREFIX, imdsV2: false },
];
const CONNECTIONS = [64, 8];
const CLOSE_SCENARIO: Scenario = { label: 'credentials, Connection: close', path: CREDENTIALS_PREFIX + ROLE, connections: 8, imdsV2: false, connectionClose: true };

/**
 * node:http writes these itself; the baseline gets them from its own node:http the same way. A replayed
 * content-length makes it send the body as is; without one it uses chunked encoding, as ours then did.
 */
const AUTOMATIC_HEADERS = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

async function recordAnswer(port: number, path: string): Promise<RecordedResponse> {
  const answer = await probe({ port, path });
  if (answer.status !== 200) throw new Error(`${path} answered ${answer.status}, expected 200`);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(answer.headers)) {
    if (!AUTOMATIC_HEADERS.has(name) && value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return { status: answer.status, headers, bodyBase64: answer.body.toString('base64') };
}

function keepAliveTimeoutMs(headers: IncomingHttpHeaders): number | undefined {
  const seconds = /timeout=(\d+)/.exec(String(headers['keep-alive'] ?? ''))?.[1];
  return seconds === undefined ? undefined : Number(seconds) * 1000;
}

/** Header values that differ per answer by nature (Connection: close is asked for, so Keep-Alive is absent). */
const PER_ANSWER = /^(date|x-request-id): .*$/gim;

/** Checks that the baseline sends what ours sends, apart from per-answer header values. */
async function sameBytes(oursPort: number, baselinePort: number, path: string): Promise<string | undefined> {
  const [ours, base] = await Promise.all([rawAnswer(oursPort, path), rawAnswer(baselinePort, path)]);
  const masked = (text: string) => text.replace(PER_ANSWER, '$1: *');
  return masked(ours) === masked(base) ? undefined : `${path}: the baseline's answer differs from ours (${ours.length} vs ${base.length} bytes)`;
}

/** IMDSv2 token minted once, or why there is none. */
async function mintToken(port: number, checkPath: string): Promise<{ token?: string; reason?: string }> {
  const minted = await probe({ port, path: '/latest/api/token', method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' } });
  if (minted.status !== 200) return { reason: `PUT /latest/api/token answered ${minted.status}` };
  const token = minted.body.toString();
  const check = await probe({ port, path: checkPath, headers: { [TOKEN_HEADER]: token } });
  return check.status === 200 ? { token } : { reason: `GET with the token answered ${check.status}` };
}

function side(context: BenchContext, name: string, serverPid: number, port: number, scenario: Scenario, headers?: Record<string, string>): MeasuredSide {
  const url = `http://127.0.0.1:${port}${scenario.path}`;
  if (scenario.connectionClose) {
    const job = { host: '127.0.0.1', port, path: scenario.path, connections: scenario.connections };
    return { name, serverPid, run: (durationS) => closeLoad(context, { ...job, durationS }) };
  }
  return { name, serverPid, run: (durationS) => autocannonLoad(context, { url, connections: scenario.connections, durationS, headers }) };
}

function latencies(f: SideFigures | undefined): string {
  return f === undefined ? 'n/a' : `${ms(f.p50Ms)} / ${ms(f.p99Ms)} / ${ms(f.p999Ms)}`;
}

function scenarioRows(scenario: Scenario, figures: Map<string, SideFigures>): Row[] {
  const ours = figures.get('ours');
  const base = figures.get('baseline');
  const name = `${scenario.label}, ${scenario.connections} conns`;
  const versusBaseline = ours && base ? throughputRatio(ours, base) : undefined;
  const p99VersusBaseline = ours && base ? p99Ratio(ours, base) : undefined;
  const atHighConcurrency = scenario.connections >= 64;
  const rows = [
    row(SECTION, `${name}: req/s`, {
      ours: rate(ours?.requestsPerS),
      reference: rate(base?.requestsPerS),
      ratio: ratio(versusBaseline),
      ...(atHighConcurrency || scenario.connectionClose ? { target: '>= 0.80', verdict: verdict(versusBaseline, 0.8, 'atLeast') } : {}),
    }),
    row(SECTION, `${name}: p50 / p99 / p99.9 ms`, {
      ours: latencies(ours),
      reference: latencies(base),
      ratio: ratio(p99VersusBaseline),
      ...(atHighConcurrency ? {} : { target: 'p99 <= 1.5', verdict: verdict(p99VersusBaseline, 1.5, 'atMost') }),
    }),
    row(SECTION, `${name}: server CPU us/req`, {
      ours: ms(ours?.cpuUsPerRequest, 1),
      reference: ms(base?.cpuUsPerRequest, 1),
      ratio: ratio(ours && base ? ours.cpuUsPerRequest / base.cpuUsPerRequest : undefined),
    }),
  ];
  if (scenario.imdsV2) {
    const v2 = figures.get('ours IMDSv2');
    const v2Ratio = v2 && ours ? throughputRatio(v2, ours) : undefined;
    rows.push(
      row(SECTION, `${name}, IMDSv2 token: req/s (ref: ours v1)`, {
        ours: rate(v2?.requestsPerS),
        reference: rate(ours?.requestsPerS),
        ratio: ratio(v2Ratio),
        target: '>= 0.90',
        verdict: verdict(v2Ratio, 0.9, 'atLeast'),
      }),
      row(SECTION, `${name}, IMDSv2 token: p50 / p99 / p99.9 ms`, {
        ours: latencies(v2),
        reference: latencies(ours),
        ratio: ratio(v2 && ours ? p99Ratio(v2, ours) : undefined),
      }),
    );
  }
  return rows;
}

/** With BENCH_PROFILE, both servers write a V8 CPU profile when they stop, to compare where time goes. */
function profileFlags(dir: string | undefined, name: string): string[] {
  return dir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}.cpuprofile`];
}

export async function throughputSection(context: BenchContext): Promise<SectionResult> {
  const { settings } = context;
  if (!proxyAvailable()) {
    return { rows: [row(SECTION, 'warm credential requests', { ours: 'n/a', verdict: 'n/a' })], data: null, notes: ['dist/src/cli.js is missing: proxy not built'] };
  }
  let proxy: RunningProxy | undefined;
  let baseline: WorkerProcess | undefined;
  try {
    proxy = await launchProxy({
      workDir: context.workDir,
      name: 'throughput',
      callers: [{ address: LOOPBACK_CALLER, role: ROLE }],
      cpu: settings.serverCpu,
      nodeFlags: profileFlags(settings.profileDir, 'proxy'),
    });
    const credentialsPath = ROUTES[0]!.path;
    await waitForStatus({ port: proxy.port, path: credentialsPath }, 200, 15_000);

    const responses: Record<string, RecordedResponse> = {};
    for (const route of ROUTES) responses[route.path] = await recordAnswer(proxy.port, route.path);
    const sample = await probe({ port: proxy.port, path: credentialsPath });
    baseline = WorkerProcess.start(new URL('./baseline-server.js', import.meta.url).pathname, [], {
      cpu: settings.serverCpu,
      nodeFlags: profileFlags(settings.profileDir, 'baseline'),
    });
    const { port: baselinePort } = await baseline.request<{ port: number }>({ responses, keepAliveTimeoutMs: keepAliveTimeoutMs(sample.headers) });
    const { token, reason: noToken } = await mintToken(proxy.port, credentialsPath);

    const scenarios: Scenario[] = [
      ...ROUTES.flatMap((route) =>
        CONNECTIONS.map((connections) => ({ label: route.label, path: route.path, connections, imdsV2: route.imdsV2 && token !== undefined })),
      ),
      CLOSE_SCENARIO,
    ];
    const sidesOf = (scenario: Scenario): MeasuredSide[] => [
      side(context, 'baseline', baseline!.pid, baselinePort, scenario),
      side(context, 'ours', proxy!.pid, proxy!.port, scenario),
      ...(scenario.imdsV2 ? [side(context, 'ours IMDSv2', proxy!.pid, proxy!.port, scenario, { [TOKEN_HEADER]: token! })] : []),
    ];

    const rows: Row[] = [];
    const notes: string[] = noToken === undefined ? [] : [`IMDSv2 rows n/a: ${noToken}`];
    for (const route of ROUTES) {
      const difference = await sameBytes(proxy.port, baselinePort, route.path);
      if (difference !== undefined) notes.push(difference);
    }
    const data: Record<string, unknown> = {};
    for (const scenario of scenarios) {
      // Each route's first scenario warms its code path on every side.
      if (scenario.connections === CONNECTIONS[0] || scenario.connectionClose) await warmUp(sidesOf(scenario), settings.warmupS);
      const figures = await measureInterleaved(sidesOf(scenario), context.loadGenerator.pid, settings.slices, settings.durationS / settings.slices);
      rows.push(...scenarioRows(scenario, figures));
      for (const [name, f] of figures) notes.push(...qualityNotes(`${scenario.label} ${scenario.connections}c ${name}`, f, scenario.connections >= 64));
      data[`${scenario.label} ${scenario.connections}c`] = Object.fromEntries(figures);
    }
    if (noToken !== undefined) {
      rows.push(row(SECTION, 'credentials, IMDSv2 token: req/s', { ours: 'n/a', target: '>= 0.90', verdict: 'n/a' }));
    }
    return { rows, data: { responseBytes: Buffer.from(responses[credentialsPath]!.bodyBase64, 'base64').length, scenarios: data }, notes };
  } finally {
    await baseline?.stop();
    await proxy?.stop();
  }
}
