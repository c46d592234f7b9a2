import { after, before, describe, it } from 'node:test';
import { SettingError } from '../../src/core/errors.js';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import http from 'node:http';
import { createAdminServer, metricsHandler, type AdminServer, type Readiness } from '../../src/admin/admin-server.js';
import type { StatusReport } from '../../src/admin/status-report.js';
import { createPrometheusMetrics } from '../../src/observability/prometheus.js';
import { workloadLabels } from '../../src/observability/workload-labels.js';
import { silentLogger } from '../../src/observability/logger.js';

describe('admin listener', () => {
  const prometheus = createPrometheusMetrics(workloadLabels([], []));
  let readiness: Readiness = { ready: false, checks: { identity: { ok: false, detail: 'docker: connecting' }, config: { ok: true } } };
  const report: StatusReport = {
    generatedAt: '2024-05-01T10:00:00.000Z',
    callers: [{ caller: '172.17.0.2', source: 'docker', container: 'web', role: 'arn:aws:iam::123456789012:role/web', expiresAt: '2024-05-01T10:42:00.000Z' }],
  };
  let admin: AdminServer;
  let base: string;

  before(async () => {
    admin = createAdminServer({ listen: '127.0.0.1:0', registry: prometheus.registry, readiness: () => readiness, status: () => report, logger: silentLogger });
    base = `http://${await admin.start()}`;
  });
  after(() => admin.close());

  it('/healthz answers ok while the process is alive', async () => {
    const response = await fetch(`${base}/healthz`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'ok\n');
  });

  it('/readyz is 503 with the failing checks until ready, then 200', async () => {
    let response = await fetch(`${base}/readyz`);
    assert.equal(response.status, 503);
    assert.deepEqual(await response.json(), readiness);
    readiness = { ready: true, checks: { identity: { ok: true }, config: { ok: true }, sts: { ok: true } } };
    response = await fetch(`${base}/readyz`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), readiness);
  });

  it('/status answers the report as JSON', async () => {
    const response = await fetch(`${base}/status`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /application\/json/);
    assert.deepEqual(await response.json(), report);
  });

  it('/status never carries a secret, even if one slips into the report', async () => {
    const leaky = createAdminServer({
      listen: '127.0.0.1:0',
      registry: prometheus.registry,
      readiness: () => readiness,
      status: () => ({ ...report, callers: [{ ...report.callers[0]!, sessionToken: 'LEAK-TOKEN' } as never] }),
      logger: silentLogger,
    });
    const url = `http://${await leaky.start()}/status`;
    const text = await (await fetch(url)).text();
    await leaky.close();
    assert.ok(!text.includes('LEAK-TOKEN'));
  });

  it('/metrics answers Prometheus text', async () => {
    prometheus.metrics.request('credentials', 200, 0.0001);
    const response = await fetch(`${base}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.match(await response.text(), /metadataproxy_http_requests_total\{handler="credentials",status="200"\} 1/);
  });

  it('answers 404 for other paths and 405 for other methods', async () => {
    assert.equal((await fetch(`${base}/latest/meta-data/iam/info`)).status, 404);
    const post = await fetch(`${base}/status`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    const head = await fetch(`${base}/healthz`, { method: 'HEAD' });
    assert.equal(head.status, 200);
  });

  it('start() reports a busy address, naming the setting and address, instead of crashing', async () => {
    const busy = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => busy.once('listening', resolve));
    const port = (busy.address() as AddressInfo).port;
    const clash = createAdminServer({ listen: `127.0.0.1:${port}`, registry: prometheus.registry, readiness: () => readiness, status: () => report, logger: silentLogger });
    await assert.rejects(clash.start(), (error: Error) => error instanceof SettingError && error.message === `ADMIN_LISTEN ${port} on 127.0.0.1: address already in use`);
    busy.close();
  });

  it('metricsHandler can be mounted on another server (ENABLE_PROMETHEUS on the main port)', async () => {
    const server = http.createServer(metricsHandler(prometheus.registry, silentLogger));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`);
    assert.match(await response.text(), /metadataproxy_http_requests_total/);
    server.close();
  });
});
