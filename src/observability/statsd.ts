// Metrics for statsd, statsite and DogStatsD through hot-shots, under go-metadataproxy's names:
// `metadataproxy.http_request` (counter; tags handler_name, response_code and the copied container
// labels) and `metadataproxy.aws_response_time` (gauge, nanoseconds, as go-metadataproxy sends it),
// plus our own STS, cache, index and Docker figures under the same prefix. Plain statsd and statsite have
// no tags: the main tag values are appended to the name instead, in a fixed order
// (`metadataproxy.http_request.iam-info-handler.200`); the container labels are left out there.
import { StatsD } from 'hot-shots';
import type { Logger } from './logger.js';
import type { Metrics, RequestHandlerName } from './metrics.js';
import type { WorkloadLabels } from './workload-labels.js';
import { requestSeries } from './request-series.js';
import { parseHostPort } from './address.js';

export type StatsdKind = 'statsd' | 'statsite' | 'datadog';

/** The parts of a hot-shots client we use (a test can pass a recording one). */
export type StatsdClient = Pick<StatsD, 'increment' | 'gauge' | 'timing' | 'close'>;

const PREFIX = 'metadataproxy.';

/** go-metadataproxy's handler_name values (including its spelling of the credentials handler). */
const GO_HANDLER_NAMES: Record<RequestHandlerName, string> = {
  credentials: 'iam-security-crentials-for-role',
  'credentials-list': 'iam-security-credentials-name',
  redirect: 'iam-security-credentials-name',
  'iam-info': 'iam-info-handler',
  passthrough: 'passthrough',
  mock: 'passthrough',
  token: 'token',
  denied: 'denied',
  'bad-request': 'bad-request',
};

export function createStatsdMetrics(client: StatsdClient, tagged: boolean, labels: WorkloadLabels): Metrics {
  /** A tagged sink gets `tags`; an untagged one gets their values appended to the name. */
  const send = (kind: 'increment' | 'gauge' | 'timing', name: string, value: number, tags: Record<string, string>) => {
    if (tagged) client[kind](PREFIX + name, value, tags);
    else client[kind]([PREFIX + name, ...Object.values(tags).map(nameSafe)].join('.'), value);
  };

  const requestSeriesOf = requestSeries(labels, (handler, status, values) => {
    const main = { handler_name: GO_HANDLER_NAMES[handler], response_code: String(status) };
    const tags: Record<string, string> = tagged ? { ...main } : {};
    labels.names.forEach((name, i) => {
      if (tagged && values[i] !== '') tags[name] = values[i]!;
    });
    return {
      counter: tagged ? PREFIX + 'http_request' : [PREFIX + 'http_request', main.handler_name, main.response_code].join('.'),
      timer: tagged ? PREFIX + 'http_request_time' : [PREFIX + 'http_request_time', main.handler_name].join('.'),
      tags: tagged ? tags : undefined,
    };
  });

  return {
    request(handler, status, seconds, workload) {
      const series = requestSeriesOf(handler, status, workload);
      client.increment(series.counter, 1, series.tags);
      client.timing(series.timer, seconds * 1000, series.tags);
    },
    stsCall(outcome, seconds) {
      send('increment', 'sts_assume_role', 1, { outcome });
      send('timing', 'sts_assume_role_time', seconds * 1000, { outcome });
    },
    cache(event) {
      send('increment', 'credential_cache', 1, { event });
    },
    indexSize(source, size) {
      send('gauge', 'identity_index_size', size, { source });
    },
    dockerEvent(type) {
      send('increment', 'docker_event', 1, { type });
    },
    dockerResync() {
      send('increment', 'docker_resync', 1, {});
    },
    upstream(status, seconds) {
      send('gauge', 'aws_response_time', Math.round(seconds * 1e9), { response_code: String(status) });
    },
  };
}

function nameSafe(value: string): string {
  return value.replace(/[^\w-]/g, '_');
}

/**
 * A hot-shots client for one sink: statsd and DogStatsD over UDP, statsite over TCP (as go-metrics'
 * statsite sink does). Lines are buffered and flushed every second so a request costs no syscall.
 * Send errors are logged at most once a minute: a missing collector must not flood the log.
 */
export function openStatsdClient(kind: StatsdKind, address: string, logger: Logger, now: () => number = Date.now): StatsD {
  const { host, port } = parseHostPort(address);
  let lastWarning = -Infinity;
  return new StatsD({
    host,
    port,
    protocol: kind === 'statsite' ? 'tcp' : 'udp',
    cacheDns: true,
    maxBufferSize: 1400,
    bufferFlushInterval: 1000,
    globalTags: kind === 'datadog' ? { service: 'metadataproxy' } : undefined,
    errorHandler: (error) => {
      if (now() - lastWarning < 60_000) return;
      lastWarning = now();
      logger.warn({ sink: kind, address, err: error }, 'metrics sink unreachable');
    },
  });
}
