// The metrics the proxy reports to, from the settings: Prometheus always (served on the admin listener),
// plus one hot-shots client per configured statsd-style address.
import type { Registry } from 'prom-client';
import type { Config } from '../config/types.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { combineMetrics } from './combine.js';
import { createPrometheusMetrics } from './prometheus.js';
import { createStatsdMetrics, openStatsdClient, type StatsdClient, type StatsdKind, type StatsdSink } from './statsd.js';
import { workloadLabels } from './workload-labels.js';

const FLUSH_INTERVAL_MS = 1000;

export type MetricsSettings = Pick<Config, 'statsdAddr' | 'datadogAddr' | 'statsiteAddr' | 'copyDockerLabels' | 'copyDockerEnv'>;

export interface MetricsSetup {
  metrics: Metrics;
  /** Served as `/metrics` on the admin listener (and on the main port with ENABLE_PROMETHEUS). */
  registry: Registry;
  /** Flushes buffered statsd lines and closes their sockets. */
  close(): Promise<void>;
}

export function createMetrics(settings: MetricsSettings, logger: Logger): MetricsSetup {
  const labels = workloadLabels(settings.copyDockerLabels, settings.copyDockerEnv);
  const prometheus = createPrometheusMetrics(labels);
  const addresses: Array<[StatsdKind, string | undefined]> = [
    ['statsd', settings.statsdAddr],
    ['datadog', settings.datadogAddr],
    ['statsite', settings.statsiteAddr],
  ];
  const clients: StatsdClient[] = [];
  const statsdSinks: StatsdSink[] = [];
  for (const [kind, address] of addresses) {
    if (address === undefined || address === '') continue;
    const client = openStatsdClient(kind, address, logger);
    clients.push(client);
    statsdSinks.push(createStatsdMetrics(client, { tagged: kind === 'datadog', labels }));
  }
  const flush = () => statsdSinks.forEach((sink) => sink.flush());
  const flushing = statsdSinks.length > 0 ? setInterval(flush, FLUSH_INTERVAL_MS).unref() : undefined;
  return {
    metrics: combineMetrics(prometheus.metrics, ...statsdSinks.map((sink) => sink.metrics)),
    registry: prometheus.registry,
    async close() {
      clearInterval(flushing);
      flush();
      await Promise.all(clients.map((client) => new Promise<void>((resolve) => client.close(() => resolve()))));
    },
  };
}
