// Metrics as Prometheus figures, in a registry of our own (the global one belongs to whoever imports
// prom-client). request() and cache() run on every request, so they add to plain tallies that
// prom-client reads at scrape time (see tally.ts).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CacheEvent, HoldOutcome, Metrics, RequestHandlerName } from './metrics.js';
import type { WorkloadLabels } from './workload-labels.js';
import { requestSeries } from './request-series.js';
import { counterTally, flushCounterTallies, HistogramTally, registerHistogramTallies, type CounterTally } from './tally.js';

/** Warm answers take tens of microseconds; STS and the upstream take milliseconds to seconds. */
const SECONDS_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
const CACHE_EVENTS: readonly CacheEvent[] = ['hit', 'miss', 'refresh', 'refresh_failure', 'evict'];
/** A hold lasts up to DOCKER_MISS_WAIT (1 s by default, at most 10 s). */
const HOLD_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const HOLD_OUTCOMES: readonly HoldOutcome[] = ['found', 'timeout'];

export interface PrometheusMetrics {
  metrics: Metrics;
  registry: Registry;
}

/**
 * Node.js runtime figures (process_*, nodejs_*) start with the first scrape. Among them is a GC duration
 * histogram, which observes every garbage collection and so lengthens the slowest answers (measured in
 * docs/performance.md); a proxy that nobody scrapes, one reporting to statsd for instance, should not
 * pay for it.
 */
class RuntimeFiguresOnFirstScrape extends Registry {
  private runtimeFigures = false;

  override metrics(): Promise<string> {
    if (!this.runtimeFigures) {
      this.runtimeFigures = true;
      collectDefaultMetrics({ register: this, prefix: 'metadataproxy_' });
    }
    return super.metrics();
  }
}

export function createPrometheusMetrics(labels: WorkloadLabels): PrometheusMetrics {
  const registry = new RuntimeFiguresOnFirstScrape();
  const registers = [registry];

  const requestTallies: CounterTally[] = [];
  new Counter({
    name: 'metadataproxy_http_requests_total',
    help: 'Requests answered, by handler and status (and copied container labels)',
    labelNames: ['handler', 'status', ...labels.names],
    registers,
    collect() {
      flushCounterTallies(this, requestTallies);
    },
  });
  const latencyTallies = new Map<RequestHandlerName, HistogramTally>();
  registerHistogramTallies(
    { name: 'metadataproxy_http_request_duration_seconds', help: 'Time from request to answer, by handler', buckets: SECONDS_BUCKETS, registers },
    () => latencyTallies.values(),
  );
  const stsCalls = new Counter({ name: 'metadataproxy_sts_calls_total', help: 'STS AssumeRole calls by outcome', labelNames: ['outcome'], registers });
  const stsSeconds = new Histogram({
    name: 'metadataproxy_sts_call_duration_seconds',
    help: 'STS AssumeRole latency',
    buckets: SECONDS_BUCKETS,
    registers,
  });
  const cacheTallies = new Map(CACHE_EVENTS.map((event) => [event, counterTally({ event })]));
  new Counter({
    name: 'metadataproxy_credential_cache_events_total',
    help: 'Credential cache hits, misses, refreshes, refresh failures and evictions',
    labelNames: ['event'],
    registers,
    collect() {
      flushCounterTallies(this, cacheTallies.values());
    },
  });
  const indexSize = new Gauge({ name: 'metadataproxy_identity_index_size', help: 'Addresses indexed, by identity source', labelNames: ['source'], registers });
  const dockerEvents = new Counter({ name: 'metadataproxy_docker_events_total', help: 'Docker engine events received, by type', labelNames: ['type'], registers });
  const dockerResyncs = new Counter({ name: 'metadataproxy_docker_resyncs_total', help: 'Full re-lists of the Docker engine', registers });
  const holdSeconds = new Histogram({
    name: 'metadataproxy_first_request_hold_seconds',
    help: "How long held lookup misses (a first request that beat its container's Docker events) waited, by outcome",
    labelNames: ['outcome'],
    buckets: HOLD_BUCKETS,
    registers,
  });
  // Both outcomes are exported from the start, so a rate over them is 0 rather than absent.
  for (const outcome of HOLD_OUTCOMES) holdSeconds.zero({ outcome });
  const upstreamSeconds = new Histogram({
    name: 'metadataproxy_upstream_request_duration_seconds',
    help: 'Passthrough requests to the real metadata service, by status',
    labelNames: ['status'],
    buckets: SECONDS_BUCKETS,
    registers,
  });

  const requestTally = requestSeries(labels, (handler, status, values) => {
    const seriesLabels: Record<string, string> = { handler, status: String(status) };
    labels.names.forEach((name, i) => (seriesLabels[name] = values[i]!));
    const tally = counterTally(seriesLabels);
    requestTallies.push(tally);
    return tally;
  });
  const stsSuccess = stsCalls.labels('success');
  const stsFailure = stsCalls.labels('failure');

  function latencyTally(handler: RequestHandlerName): HistogramTally {
    let tally = latencyTallies.get(handler);
    if (tally === undefined) latencyTallies.set(handler, (tally = new HistogramTally({ handler }, SECONDS_BUCKETS)));
    return tally;
  }

  const metrics: Metrics = {
    request(handler, status, seconds, workload) {
      requestTally(handler, status, workload).count++;
      latencyTally(handler).observe(seconds);
    },
    stsCall(outcome, seconds) {
      (outcome === 'success' ? stsSuccess : stsFailure).inc();
      stsSeconds.observe(seconds);
    },
    cache(event) {
      cacheTallies.get(event)!.count++;
    },
    indexSize(source, size) {
      indexSize.set({ source }, size);
    },
    dockerEvent(type) {
      dockerEvents.inc({ type });
    },
    dockerResync() {
      dockerResyncs.inc();
    },
    firstRequestHold(outcome, seconds) {
      holdSeconds.observe({ outcome }, seconds);
    },
    upstream(status, seconds) {
      upstreamSeconds.observe({ status: String(status) }, seconds);
    },
  };
  return { metrics, registry };
}
