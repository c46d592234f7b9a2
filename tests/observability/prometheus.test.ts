import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPrometheusMetrics } from '../../src/observability/prometheus.js';
import { workloadLabels } from '../../src/observability/workload-labels.js';
import { combineMetrics } from '../../src/observability/combine.js';
import { noopMetrics, type Metrics } from '../../src/observability/metrics.js';
import type { Workload } from '../../src/identity/workload.js';

const web: Workload = { id: 'c1', name: 'web', source: 'docker', labels: { Team: 'blue', 'com.example/tier': 'front' }, env: { PROJECT_VERSION: '1.2.3' } };

function exercise(metrics: Metrics): void {
  metrics.request('credentials', 200, 0.00004, web);
  metrics.request('credentials', 200, 0.00005, web);
  metrics.request('credentials', 404, 0.0001);
  metrics.request('passthrough', 200, 0.002);
  metrics.stsCall('success', 0.12);
  metrics.stsCall('failure', 1.5);
  metrics.cache('hit');
  metrics.cache('miss');
  metrics.cache('refresh');
  metrics.indexSize('docker', 42);
  metrics.dockerEvent('start');
  metrics.dockerResync();
  metrics.upstream(200, 0.003);
  metrics.firstRequestHold('found', 0.04);
}

describe('prometheus metrics', () => {
  it('exposes every figure in its own registry, with default process metrics', async () => {
    const { metrics, registry } = createPrometheusMetrics(workloadLabels([], []));
    exercise(metrics);
    const text = await registry.metrics();
    for (const line of [
      'metadataproxy_http_requests_total{handler="credentials",status="200"} 2',
      'metadataproxy_http_requests_total{handler="credentials",status="404"} 1',
      'metadataproxy_http_requests_total{handler="passthrough",status="200"} 1',
      'metadataproxy_http_request_duration_seconds_bucket{le="0.0001",handler="credentials"} 3',
      'metadataproxy_http_request_duration_seconds_count{handler="credentials"} 3',
      'metadataproxy_sts_calls_total{outcome="success"} 1',
      'metadataproxy_sts_calls_total{outcome="failure"} 1',
      'metadataproxy_sts_call_duration_seconds_count 2',
      'metadataproxy_credential_cache_events_total{event="hit"} 1',
      'metadataproxy_credential_cache_events_total{event="miss"} 1',
      'metadataproxy_credential_cache_events_total{event="refresh"} 1',
      'metadataproxy_identity_index_size{source="docker"} 42',
      'metadataproxy_docker_events_total{type="start"} 1',
      'metadataproxy_docker_resyncs_total 1',
      'metadataproxy_upstream_request_duration_seconds_count{status="200"} 1',
      'metadataproxy_first_request_hold_seconds_bucket{le="0.05",outcome="found"} 1',
      'metadataproxy_first_request_hold_seconds_count{outcome="found"} 1',
      'metadataproxy_first_request_hold_seconds_count{outcome="timeout"} 0',
    ]) {
      assert.ok(text.includes(line), `missing ${line}`);
    }
    assert.match(text, /^metadataproxy_process_resident_memory_bytes \d+/m);
    assert.match(text, /^metadataproxy_nodejs_eventloop_lag_seconds /m);
  });

  it('starts the Node.js runtime figures (GC observation among them) only when first scraped', async () => {
    const { registry } = createPrometheusMetrics(workloadLabels([], []));
    const runtime = () => registry.getMetricsAsArray().filter((m) => /^metadataproxy_(nodejs|process)_/.test(m.name)).map((m) => m.name);
    assert.deepEqual(runtime(), []);
    const first = await registry.metrics();
    assert.ok(runtime().includes('metadataproxy_nodejs_gc_duration_seconds'));
    assert.match(first, /^metadataproxy_process_cpu_seconds_total /m, 'already in the first scrape');
    const count = runtime().length;
    await registry.metrics();
    assert.equal(runtime().length, count, 'registered once');
  });

  it('adds COPY_DOCKER_LABELS / COPY_DOCKER_ENV values as container_* labels', async () => {
    const labels = workloadLabels(['Team', 'com.example/tier'], ['PROJECT_VERSION', 'TEAM']);
    assert.deepEqual(labels.names, ['container_team', 'container_com_example_tier', 'container_project_version']);
    const { metrics, registry } = createPrometheusMetrics(labels);
    exercise(metrics);
    const text = await registry.metrics();
    assert.ok(
      text.includes(
        'metadataproxy_http_requests_total{handler="credentials",status="200",container_team="blue",container_com_example_tier="front",container_project_version="1.2.3"} 2',
      ),
      text,
    );
    assert.ok(text.includes('metadataproxy_http_requests_total{handler="credentials",status="404",container_team="",container_com_example_tier="",container_project_version=""} 1'));
  });

  it('counts each request once however often it is scraped', async () => {
    const { metrics, registry } = createPrometheusMetrics(workloadLabels([], []));
    metrics.request('credentials', 200, 0.00004);
    await registry.metrics();
    metrics.request('credentials', 200, 0.3);
    metrics.cache('hit');
    await registry.metrics();
    const text = await registry.metrics();
    assert.ok(text.includes('metadataproxy_http_requests_total{handler="credentials",status="200"} 2'), text);
    assert.ok(text.includes('metadataproxy_http_request_duration_seconds_bucket{le="0.0001",handler="credentials"} 1'), text);
    assert.ok(text.includes('metadataproxy_http_request_duration_seconds_bucket{le="0.5",handler="credentials"} 2'), text);
    assert.ok(text.includes('metadataproxy_http_request_duration_seconds_bucket{le="+Inf",handler="credentials"} 2'), text);
    assert.match(text, /metadataproxy_http_request_duration_seconds_sum\{handler="credentials"\} 0\.30004/);
    assert.ok(text.includes('metadataproxy_credential_cache_events_total{event="hit"} 1'), text);
  });

  it('keeps separate registries apart (no global registry)', async () => {
    const first = createPrometheusMetrics(workloadLabels([], []));
    const second = createPrometheusMetrics(workloadLabels([], []));
    first.metrics.dockerResync();
    assert.match(await first.registry.metrics(), /metadataproxy_docker_resyncs_total 1/);
    assert.match(await second.registry.metrics(), /metadataproxy_docker_resyncs_total 0/);
  });
});

describe('combineMetrics', () => {
  it('reports every call to every sink', async () => {
    const a = createPrometheusMetrics(workloadLabels([], []));
    const b = createPrometheusMetrics(workloadLabels([], []));
    exercise(combineMetrics(a.metrics, b.metrics));
    for (const { registry } of [a, b]) assert.match(await registry.metrics(), /metadataproxy_http_requests_total\{handler="credentials",status="200"\} 2/);
  });

  it('is the sink itself for one sink and a no-op for none', () => {
    const a = createPrometheusMetrics(workloadLabels([], []));
    assert.equal(combineMetrics(a.metrics), a.metrics);
    assert.equal(combineMetrics(), noopMetrics);
  });
});
