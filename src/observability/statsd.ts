// Metrics for statsd, statsite and DogStatsD through hot-shots, under go-metadataproxy's names:
// `metadataproxy.http_request` (counter; tags handler_name, response_code and the copied container
// labels) and `metadataproxy.aws_response_time` (gauge, nanoseconds, as go-metadataproxy sends it),
// plus our own STS, cache, index and Docker figures under the same prefix. The per-request counters are
// summed in memory and sent once a second; request timings are sampled (1 in 10). Plain statsd and statsite have
// no tags: the main tag values are appended to the name instead, in a fixed order
// (`metadataproxy.http_request.iam-info-handler.200`); the container labels are left out there.
import { StatsD } from 'hot-shots';
import type { Logger } from './logger.js';
import type { CacheEvent, Metrics, RequestHandlerName } from './metrics.js';
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
  'container-credentials': 'container-credentials',
  redirect: 'iam-security-credentials-name',
  'iam-info': 'iam-info-handler',
  passthrough: 'passthrough',
  token: 'token',
  denied: 'denied',
  'bad-request': 'bad-request',
};

export interface StatsdOptions {
  /** DogStatsD: tags; plain statsd and statsite: tag values folded into the name. */
  tagged: boolean;
  labels: WorkloadLabels;
  /**
   * Share of request timings sent; 1 in tests. Sent without `|@rate`: only the timer's sample count
   * would use it (the request counter is exact), and hot-shots would then draw again and drop most.
   */
  timingSampleRate?: number;
  random?: () => number;
}

export interface StatsdSink {
  metrics: Metrics;
  /** Sends the counts gathered since the last flush. */
  flush(): void;
}

/** A counter summed in memory between flushes: a hot-shots call costs microseconds, a `++` nothing. */
interface Tally {
  name: string;
  tags?: Record<string, string>;
  count: number;
}

export function createStatsdMetrics(client: StatsdClient, options: StatsdOptions): StatsdSink {
  const { tagged, labels, timingSampleRate = 0.1, random = Math.random } = options;
  const tallies: Tally[] = [];

  /** Name and tags of one series: tags for a tagged sink, their values appended to the name otherwise. */
  const series = (name: string, tags: Record<string, string>) =>
    tagged ? { name: PREFIX + name, tags } : { name: [PREFIX + name, ...Object.values(tags).map(nameSafe)].join('.'), tags: undefined };
  const tally = (name: string, tags: Record<string, string>): Tally => {
    const created = { ...series(name, tags), count: 0 };
    tallies.push(created);
    return created;
  };
  const send = (kind: 'increment' | 'gauge' | 'timing', name: string, value: number, tags: Record<string, string>) => {
    const { name: stat, tags: sentTags } = series(name, tags);
    client[kind](stat, value, sentTags);
  };

  const requestSeriesOf = requestSeries(labels, (handler, status, values) => {
    const tags: Record<string, string> = { handler_name: GO_HANDLER_NAMES[handler], response_code: String(status) };
    // Container labels only where tags exist: folded into names they would multiply the series.
    if (tagged) labels.names.forEach((name, i) => values[i] !== '' && (tags[name] = values[i]!));
    return { requests: tally('http_request', tags), timer: series('http_request_time', tags) };
  });
  const cacheTallies = new Map<CacheEvent, Tally>();

  const metrics: Metrics = {
    request(handler, status, seconds, workload) {
      const { requests, timer } = requestSeriesOf(handler, status, workload);
      requests.count++;
      // Sampled here: hot-shots would format the line before deciding to drop it.
      if (timingSampleRate >= 1 || random() < timingSampleRate) client.timing(timer.name, seconds * 1000, timer.tags);
    },
    stsCall(outcome, seconds) {
      send('increment', 'sts_assume_role', 1, { outcome });
      send('timing', 'sts_assume_role_time', seconds * 1000, { outcome });
    },
    cache(event) {
      let counter = cacheTallies.get(event);
      if (counter === undefined) cacheTallies.set(event, (counter = tally('credential_cache', { event })));
      counter.count++;
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
    firstRequestHold(outcome, seconds) {
      send('timing', 'first_request_hold_time', seconds * 1000, { outcome });
    },
    upstream(status, seconds) {
      send('gauge', 'aws_response_time', Math.round(seconds * 1e9), { response_code: String(status) });
    },
  };
  return {
    metrics,
    flush() {
      for (const t of tallies) {
        if (t.count === 0) continue;
        client.increment(t.name, t.count, t.tags);
        t.count = 0;
      }
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
