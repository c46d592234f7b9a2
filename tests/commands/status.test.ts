import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { createAdminServer, type AdminServer } from '../../src/admin/admin-server.js';
import type { StatusReport } from '../../src/admin/status-report.js';
import { formatStatusTable, runStatusCommand } from '../../src/commands/status.js';
import { runHealthcheckCommand } from '../../src/commands/healthcheck.js';
import { relativeExpiry } from '../../src/commands/relative-time.js';
import { createPrometheusMetrics } from '../../src/observability/prometheus.js';
import { workloadLabels } from '../../src/observability/workload-labels.js';
import { silentLogger } from '../../src/observability/logger.js';

const NOW = Date.parse('2024-05-01T10:00:00Z');
const report: StatusReport = {
  generatedAt: new Date(NOW).toISOString(),
  callers: [
    { caller: '172.17.0.10', source: 'docker', container: 'worker', role: 'arn:aws:iam::123456789012:role/worker', expiresAt: new Date(NOW - 3 * 60_000).toISOString(), lastError: 'AccessDenied: not authorized\nto assume' },
    { caller: '172.17.0.2', source: 'docker', container: 'web-frontend', role: 'arn:aws:iam::123456789012:role/web', expiresAt: new Date(NOW + 42 * 60_000 + 10_000).toISOString() },
    { caller: '10.0.0.5', source: 'mapping', container: 'batch' },
  ],
};

function captureIo(files: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      stdout: (t: string) => void out.push(t),
      stderr: (t: string) => void err.push(t),
      readFile: (path: string) => {
        if (path in files) return files[path]!;
        throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      },
    },
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

/** A real admin listener on a free port; not ready, so only /healthz decides the healthcheck. */
function adminServer(): AdminServer {
  return createAdminServer({
    listen: '127.0.0.1:0',
    registry: createPrometheusMetrics(workloadLabels([], [])).registry,
    readiness: () => ({ ready: false, checks: {} }),
    status: () => report,
    logger: silentLogger,
  });
}

/** An admin listener for the tests of one describe block: its address, once the block's `before` has run. */
function liveAdminListener(): () => string {
  let admin: AdminServer | undefined;
  let address = '';
  before(async () => {
    admin = adminServer();
    address = await admin.start();
  });
  after(() => admin?.close());
  return () => address;
}

/** A loopback port that nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => probe.once('listening', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('status table', () => {
  it('aligns the columns, sorts callers by address and shows expiry relative to the report', () => {
    assert.equal(
      formatStatusTable(report),
      [
        'CALLER       CONTAINER     ROLE                                   EXPIRES         LAST ERROR',
        '10.0.0.5     batch         -                                      -',
        '172.17.0.2   web-frontend  arn:aws:iam::123456789012:role/web     in 42m',
        '172.17.0.10  worker        arn:aws:iam::123456789012:role/worker  expired 3m ago  AccessDenied: not authorized to assume',
        '',
      ].join('\n'),
    );
  });

  it('says so when nothing is indexed', () => {
    assert.equal(formatStatusTable({ generatedAt: report.generatedAt, callers: [] }), 'no callers indexed\n');
  });

  it('reads expiry like a person would', () => {
    assert.equal(relativeExpiry(NOW + 30_000, NOW), 'in 30s');
    assert.equal(relativeExpiry(NOW + 42 * 60_000, NOW), 'in 42m');
    assert.equal(relativeExpiry(NOW + 65 * 60_000, NOW), 'in 1h 5m');
    assert.equal(relativeExpiry(NOW + 120 * 60_000, NOW), 'in 2h');
    assert.equal(relativeExpiry(NOW + 72 * 3600_000, NOW), 'in 3d');
    assert.equal(relativeExpiry(NOW - 3 * 60_000, NOW), 'expired 3m ago');
  });
});

describe('metadataproxy status', () => {
  const address = liveAdminListener();

  it('finds the admin listener through ADMIN_LISTEN and prints the table', async () => {
    const { io, out, err } = captureIo();
    assert.equal(await runStatusCommand([], { ADMIN_LISTEN: address() }, io), 0);
    assert.equal(out(), formatStatusTable(report));
    assert.equal(err(), '');
  });

  it('finds it through the -c config file adminListen key', async () => {
    const { io, out } = captureIo({ '/etc/mp.json': JSON.stringify({ adminListen: address() }) });
    assert.equal(await runStatusCommand(['-c', '/etc/mp.json'], {}, io), 0);
    assert.match(out(), /^CALLER +CONTAINER/);
  });

  it('--json prints the raw report', async () => {
    const { io, out } = captureIo();
    assert.equal(await runStatusCommand(['--json'], { ADMIN_LISTEN: address() }, io), 0);
    assert.deepEqual(JSON.parse(out()), report);
  });

  it('an unreachable admin listener is one clear line and exit 1', async () => {
    const port = await closedPort();
    const { io, out, err } = captureIo();
    assert.equal(await runStatusCommand([], { ADMIN_LISTEN: `127.0.0.1:${port}` }, io), 1);
    assert.equal(out(), '');
    assert.equal(err(), `metadataproxy status: cannot read http://127.0.0.1:${port}/status (ECONNREFUSED); is the proxy running with this ADMIN_LISTEN?\n`);
  });

  it('a bad setting is a usage error (exit 2) naming the variable', async () => {
    const { io, err } = captureIo();
    assert.equal(await runStatusCommand([], { ADMIN_LISTEN: 'nonsense' }, io), 2);
    assert.match(err(), /^ADMIN_LISTEN: expected HOST:PORT/);
  });
});

describe('metadataproxy healthcheck (the image HEALTHCHECK)', () => {
  const address = liveAdminListener();

  it('exits 0 while /healthz answers 200 (readiness does not matter), 1 once it answers 503', async () => {
    const { io, out, err } = captureIo();
    assert.equal(await runHealthcheckCommand([], { ADMIN_LISTEN: address() }, io), 0);
    assert.equal(out() + err(), '');
    // The admin listener's /healthz is 200 while the process answers at all, so a 503 comes from a stand-in.
    const unhealthy = createHttpServer((_req, res) => res.writeHead(503).end()).listen(0, '127.0.0.1');
    await new Promise((resolve) => unhealthy.once('listening', resolve));
    const unhealthyAt = `127.0.0.1:${(unhealthy.address() as AddressInfo).port}`;
    try {
      assert.equal(await runHealthcheckCommand([], { ADMIN_LISTEN: unhealthyAt }, io), 1);
      assert.equal(err(), `metadataproxy healthcheck: http://${unhealthyAt}/healthz answered 503\n`);
    } finally {
      unhealthy.closeAllConnections();
      await new Promise((resolve) => unhealthy.close(resolve));
    }
  });

  it('exits 1 with one line when nothing listens', async () => {
    const port = await closedPort();
    const { io, err } = captureIo();
    assert.equal(await runHealthcheckCommand([], { ADMIN_LISTEN: `127.0.0.1:${port}` }, io), 1);
    assert.equal(err(), `metadataproxy healthcheck: cannot read http://127.0.0.1:${port}/healthz (ECONNREFUSED)\n`);
  });
});

describe('sub-command help', () => {
  it('--help lists the command\'s own flags and points to the settings, and contacts nothing', async () => {
    const { io, out } = captureIo();
    assert.equal(await runStatusCommand(['--help'], {}, io), 0);
    assert.match(out(), /^Usage: metadataproxy status \[--json\] \[options\]/);
    assert.match(out(), /--json\n\s+Print the raw \/status JSON/);
    assert.match(out(), /ADMIN_LISTEN, PORT, …\) are read as the proxy reads them[^]*see `metadataproxy --help`/);
    assert.doesNotMatch(out(), /--admin-listen|--default-role|--docker/);
  });
});
