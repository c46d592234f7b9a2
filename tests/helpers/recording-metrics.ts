// Metrics that keep what they were told: Docker events, resyncs, index sizes, upstream statuses and holds.
import { noopMetrics, type HoldOutcome, type Metrics } from '../../src/observability/metrics.js';

export interface RecordingMetrics extends Metrics {
  events: string[];
  resyncs: number;
  sizes: Array<[string, number]>;
  upstreamStatuses: number[];
  holds: Array<[HoldOutcome, number]>;
}

export function recordingMetrics(): RecordingMetrics {
  const metrics: RecordingMetrics = {
    ...noopMetrics,
    events: [],
    resyncs: 0,
    sizes: [],
    upstreamStatuses: [],
    holds: [],
    dockerEvent(type) {
      metrics.events.push(type);
    },
    dockerResync() {
      metrics.resyncs += 1;
    },
    indexSize(source, size) {
      metrics.sizes.push([source, size]);
    },
    upstream(status) {
      metrics.upstreamStatuses.push(status);
    },
    firstRequestHold(outcome, seconds) {
      metrics.holds.push([outcome, seconds]);
    },
  };
  return metrics;
}
