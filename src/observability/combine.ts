// One Metrics that reports to every configured sink (Prometheus, statsd, DogStatsD, statsite).
import { noopMetrics, type Metrics } from './metrics.js';

export function combineMetrics(...sinks: Metrics[]): Metrics {
  if (sinks.length === 0) return noopMetrics;
  if (sinks.length === 1) return sinks[0]!;
  return {
    request(handler, status, seconds, workload) {
      for (const sink of sinks) sink.request(handler, status, seconds, workload);
    },
    stsCall(outcome, seconds) {
      for (const sink of sinks) sink.stsCall(outcome, seconds);
    },
    cache(event) {
      for (const sink of sinks) sink.cache(event);
    },
    indexSize(source, size) {
      for (const sink of sinks) sink.indexSize(source, size);
    },
    dockerEvent(type) {
      for (const sink of sinks) sink.dockerEvent(type);
    },
    dockerResync() {
      for (const sink of sinks) sink.dockerResync();
    },
    firstRequestHold(outcome, seconds) {
      for (const sink of sinks) sink.firstRequestHold(outcome, seconds);
    },
    upstream(status, seconds) {
      for (const sink of sinks) sink.upstream(status, seconds);
    },
  };
}
