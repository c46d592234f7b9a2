// Noisy neighbour: one caller's warm credential requests (autocannon, 8 keep-alive connections) while
// another caller floods pipelined passthrough requests (20 000 on 8 connections) and disconnects, once a
// second, against the same caller's requests with nobody flooding, interleaved slice by slice. The target is the isolation bound of
// docs/performance.md: p99 within max(2 x idle p99, 20 ms), no failures.
import http from 'node:http';
import net from 'node:net';
import { autocannonLoad, type BenchContext } from './context.js';
import { CREDENTIALS_PREFIX } from './callers.js';
import { waitForStatus } from './http-probe.js';
import { measureInterleaved, warmUp, type MeasuredSide, type SideFigures } from './measure.js';
import { launchProxy, proxyAvailable, type RunningProxy } from './proxy-process.js';
import { ms, rate, ratio, row, verdict, type SectionResult } from './report.js';

const SECTION = 'isolation';
const ROLE = 'bench-role';
const CREDENTIALS = CREDENTIALS_PREFIX + ROLE;
const CONNECTIONS = 8;
const FLOOD_CONNECTIONS = 8;
const FLOOD_PIPELINED = 2_500;
/** A flooding connection writes its requests, lingers this long, then leaves and a new one starts. */
const FLOOD_LINGER_MS = 1_000;
const FLOODER = '127.0.0.3';
const UPSTREAM_DELAY_MS = 2;

/** The upstream IMDS stand-in: a short delay, so passthrough work piles up as on a real host. */
async function startUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.method === 'PUT') return void res.writeHead(404).end();
    setTimeout(() => res.end('i-0123456789abcdef0'), UPSTREAM_DELAY_MS);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Pipelined passthrough floods from one caller until `stop()`, each connection leaving after a moment. */
function startFlood(port: number): () => Promise<void> {
  const burst = Buffer.from(`GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: 169.254.169.254\r\n\r\n`.repeat(FLOOD_PIPELINED));
  let stopped = false;
  const flooder = async (): Promise<void> => {
    while (!stopped) {
      await new Promise<void>((resolve) => {
        const socket = net.connect({ host: '127.0.0.1', port, localAddress: FLOODER }, () => socket.write(burst));
        socket.on('error', () => {});
        socket.resume();
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, FLOOD_LINGER_MS);
      });
    }
  };
  const running = Promise.all(Array.from({ length: FLOOD_CONNECTIONS }, flooder));
  return async () => {
    stopped = true;
    await running;
  };
}

function side(context: BenchContext, name: string, proxy: RunningProxy, flooded: boolean): MeasuredSide {
  const url = `http://127.0.0.1:${proxy.port}${CREDENTIALS}`;
  return {
    name,
    serverPid: proxy.pid,
    async run(durationS) {
      const stop = flooded ? startFlood(proxy.port) : undefined;
      try {
        return await autocannonLoad(context, { url, connections: CONNECTIONS, durationS });
      } finally {
        await stop?.();
        // What the last flood left behind (closing connections) belongs to this slice, not the next one.
        if (flooded) await waitForStatus({ port: proxy.port, path: CREDENTIALS }, 200, 30_000);
      }
    },
  };
}

export async function noisyNeighbourSection(context: BenchContext): Promise<SectionResult> {
  const { settings } = context;
  if (!proxyAvailable()) return { rows: [row(SECTION, 'noisy neighbour', { ours: 'n/a', verdict: 'n/a' })], data: null, notes: ['proxy not built'] };
  const upstream = await startUpstream();
  let proxy: RunningProxy | undefined;
  try {
    proxy = await launchProxy({
      workDir: context.workDir,
      name: 'isolation',
      callers: [{ address: '127.0.0.1', role: ROLE }],
      cpu: settings.serverCpu,
      env: { MOCK_API: 'false', METADATA_URL: upstream.url },
    });
    await waitForStatus({ port: proxy.port, path: CREDENTIALS }, 200, 15_000);
    const sides = [side(context, 'idle', proxy, false), side(context, 'flooded', proxy, true)];
    await warmUp(sides, settings.warmupS);
    const figures = await measureInterleaved(sides, context.loadGenerator.pid, settings.slices, settings.durationS / settings.slices);
    const idle = figures.get('idle');
    const flooded = figures.get('flooded');
    return { rows: isolationRows(idle, flooded), data: Object.fromEntries(figures), notes: [] };
  } finally {
    await proxy?.stop();
    await upstream.close();
  }
}

function isolationRows(idle: SideFigures | undefined, flooded: SideFigures | undefined) {
  const bound = idle === undefined ? undefined : Math.max(2 * idle.p99Ms, 20);
  const failures = flooded === undefined ? undefined : flooded.non2xx + flooded.errors;
  return [
    row(SECTION, `noisy neighbour: credentials p99 ms, ${CONNECTIONS} conns (ref: no flood)`, {
      ours: ms(flooded?.p99Ms),
      reference: ms(idle?.p99Ms),
      ratio: ratio(flooded && idle ? flooded.p99Ms / idle.p99Ms : undefined),
      target: `<= max(2x, 20 ms) = ${ms(bound, 1)}`,
      verdict: flooded === undefined || bound === undefined ? 'n/a' : verdict(flooded.p99Ms, bound, 'atMost'),
    }),
    row(SECTION, `noisy neighbour: credentials req/s, failures`, {
      ours: `${rate(flooded?.requestsPerS)}, ${failures ?? 'n/a'} failed`,
      reference: rate(idle?.requestsPerS),
      ratio: ratio(flooded && idle ? flooded.requestsPerS / idle.requestsPerS : undefined),
      target: '0 failed',
      verdict: failures === undefined ? 'n/a' : failures === 0 ? 'ok' : 'MISS',
    }),
  ];
}
