// The metrics the proxy reports to, from the settings: Prometheus always (served on the admin listener),
// plus one hot-shots client per configured statsd-style address.
import type { Registry } from 'prom-client';
import type { Config } from '../config/types.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { combineMetrics } from './combine.js';
import { createPrometheusMetrics } from './prometheus.js';
import { createStatsdMetrics, openStatsdClient, type StatsdClient, type StatsdKind } from './statsd.js';
import { workloadLabels } from './workload-labels.js';

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
  const sinks = [prometheus.metrics];
  for (const [kind, address] of addresses) {
    if (address === undefined || address === '') continue;
    const client = openStatsdClient(kind, address, logger);
    clients.push(client);
    sinks.push(createStatsdMetrics(client, kind === 'datadog', labels));
  }
  return {
    metrics: combineMetrics(...sinks),
    registry: prometheus.registry,
    close: () => Promise.all(clients.map((client) => new Promise<void>((resolve) => client.close(() => resolve())))).then(() => undefined),
  };
}
