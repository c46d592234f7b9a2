import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer, type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { createMetrics } from '../../src/observability/setup.js';
import { createStatsdMetrics, openStatsdClient } from '../../src/observability/statsd.js';
import { workloadLabels } from '../../src/observability/workload-labels.js';
import { silentLogger } from '../../src/observability/logger.js';
import type { Workload } from '../../src/identity/workload.js';
import { eventually } from '../helpers/eventually.js';

const web: Workload = { id: 'c1', name: 'web', source: 'docker', labels: { Team: 'blue' }, env: {} };
const none = { statsdAddr: undefined, datadogAddr: undefined, statsiteAddr: undefined, copyDockerLabels: ['Team'], copyDockerEnv: [] };

/** A statsd collector on 127.0.0.1: every line it receives. */
async function udpCollector() {
  const socket = createSocket('udp4');
  const lines: string[] = [];
  socket.on('message', (message) => lines.push(...message.toString('utf8').split('\n').filter(Boolean)));
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return { address: `127.0.0.1:${(socket.address() as AddressInfo).port}`, lines, close: () => socket.close() };
}

function report(metrics: ReturnType<typeof createMetrics>['metrics']): void {
  metrics.request('credentials', 200, 0.0002, web);
  metrics.request('iam-info', 404, 0.0001);
  metrics.upstream(200, 0.0015);
  metrics.stsCall('failure', 0.25);
  metrics.cache('hit');
  metrics.indexSize('docker', 3);
  metrics.dockerEvent('die');
  metrics.dockerResync();
  metrics.firstRequestHold('timeout', 1);
}

/** Every line one sink receives for `report()`. */
async function reportedLines(setting: 'statsdAddr' | 'datadogAddr'): Promise<string[]> {
  const collector = await udpCollector();
  const setup = createMetrics({ ...none, [setting]: collector.address }, silentLogger);
  report(setup.metrics);
  await setup.close();
  await eventually(() => collector.lines.length >= 9, 'nine lines arrive');
  collector.close();
  return collector.lines;
}

describe('statsd sinks (real hot-shots client, collector on 127.0.0.1)', () => {
  it('STATSD_ADDR: go-metadataproxy names, tag values folded into the name (plain statsd has no tags)', async () => {
    const lines = await reportedLines('statsdAddr');
    for (const line of [
      'metadataproxy.http_request.iam-security-crentials-for-role.200:1|c',
      'metadataproxy.http_request.iam-info-handler.404:1|c',
      'metadataproxy.aws_response_time.200:1500000|g',
      'metadataproxy.sts_assume_role.failure:1|c',
      'metadataproxy.sts_assume_role_time.failure:250|ms',
      'metadataproxy.credential_cache.hit:1|c',
      'metadataproxy.identity_index_size.docker:3|g',
      'metadataproxy.docker_event.die:1|c',
      'metadataproxy.docker_resync:1|c',
      'metadataproxy.first_request_hold_time.timeout:1000|ms',
    ]) {
      assert.ok(lines.includes(line), `missing ${line} in ${lines.join(' ')}`);
    }
    assert.ok(lines.every((l) => !l.includes('|#')), 'no DogStatsD tags on plain statsd');
  });

  it('DATADOG_ADDR: DogStatsD tags handler_name, response_code, service and the copied container labels', async () => {
    const lines = await reportedLines('datadogAddr');
    const request = lines.find((l) => l.startsWith('metadataproxy.http_request:') && l.includes('response_code:200'));
    assert.ok(request, lines.join(' '));
    assert.match(request, /^metadataproxy\.http_request:1\|c\|#/);
    const tags = request.split('|#')[1]!.split(',').sort();
    assert.deepEqual(tags, ['container_team:blue', 'handler_name:iam-security-crentials-for-role', 'response_code:200', 'service:metadataproxy']);
    assert.ok(lines.some((l) => l.startsWith('metadataproxy.aws_response_time:1500000|g|#') && l.includes('response_code:200')), lines.join(' '));
    assert.ok(lines.some((l) => l.startsWith('metadataproxy.sts_assume_role:1|c|#') && l.includes('outcome:failure')));
  });

  it('STATSITE_ADDR: the same lines over TCP, as go-metrics sends to statsite', async () => {
    const received: string[] = [];
    const server = createServer((socket) => socket.on('data', (data) => received.push(...data.toString('utf8').split('\n').filter(Boolean))));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const setup = createMetrics({ ...none, statsiteAddr: `127.0.0.1:${(server.address() as AddressInfo).port}` }, silentLogger);
    report(setup.metrics);
    await setup.close();
    await eventually(() => received.length >= 9, 'nine lines arrive');
    server.close();
    assert.ok(received.includes('metadataproxy.http_request.iam-security-crentials-for-role.200:1|c'), received.join(' '));
  });

  it('sums per-request counters between flushes and samples request timings', async () => {
    const collector = await udpCollector();
    const client = openStatsdClient('statsd', collector.address, silentLogger);
    const draws = [0.05, 0.5, 0.09];
    const sink = createStatsdMetrics(client, { tagged: false, labels: workloadLabels([], []), random: () => draws.shift()! });
    for (let i = 0; i < 3; i++) sink.metrics.request('credentials', 200, 0.0002);
    sink.metrics.cache('hit');
    sink.metrics.cache('hit');
    sink.flush();
    sink.flush();
    await new Promise<void>((resolve) => client.close(() => resolve()));
    await eventually(() => collector.lines.length >= 4, 'four lines arrive');
    collector.close();
    assert.deepEqual(collector.lines.sort(), [
      'metadataproxy.credential_cache.hit:2|c',
      'metadataproxy.http_request.iam-security-crentials-for-role.200:3|c',
      'metadataproxy.http_request_time.iam-security-crentials-for-role.200:0.2|ms',
      'metadataproxy.http_request_time.iam-security-crentials-for-role.200:0.2|ms',
    ]);
  });

  it('every configured sink receives every figure (fan-out)', async () => {
    const [a, b] = [await udpCollector(), await udpCollector()];
    const setup = createMetrics({ ...none, statsdAddr: a.address, datadogAddr: b.address }, silentLogger);
    setup.metrics.dockerResync();
    await setup.close();
    await eventually(() => a.lines.length > 0 && b.lines.length > 0, 'both collectors receive lines');
    a.close();
    b.close();
    assert.deepEqual(a.lines, ['metadataproxy.docker_resync:1|c']);
    assert.deepEqual(b.lines, ['metadataproxy.docker_resync:1|c|#service:metadataproxy']);
  });

  it('an unreachable collector costs a warning, never an exception', async () => {
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (o: unknown) => void warnings.push(JSON.stringify(o)) } as unknown as typeof silentLogger;
    // A TCP port nobody listens on: connect is refused at once, on this machine.
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const setup = createMetrics({ ...none, statsiteAddr: `127.0.0.1:${port}` }, logger);
    for (let i = 0; i < 100; i++) setup.metrics.request('credentials', 200, 0.0001);
    await setup.close();
    await eventually(() => warnings.length > 0, 'a warning is logged');
    assert.equal(warnings.length, 1, 'one warning, not one per metric');
  });
});
