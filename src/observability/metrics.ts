// What the rest of the proxy reports; observability/ turns it into Prometheus and statsd figures.
// Logic modules take a Metrics so tests can pass noopMetrics or a recording one.
import type { ObservedWorkload } from './workload-labels.js';

export type RequestHandlerName =
  | 'credentials'
  | 'credentials-list'
  | 'container-credentials'
  | 'iam-info'
  | 'redirect'
  | 'token'
  | 'passthrough'
  | 'denied'
  | 'bad-request';

export type CacheEvent = 'hit' | 'miss' | 'refresh' | 'refresh_failure' | 'evict';

/** How a held first request ended: its container was indexed, or the deadline passed without it. */
export type HoldOutcome = 'found' | 'timeout';

export interface Metrics {
  /** `workload`: the caller, when known; COPY_DOCKER_LABELS / COPY_DOCKER_ENV values are read from it. */
  request(handler: RequestHandlerName, status: number, seconds: number, workload?: ObservedWorkload): void;
  stsCall(outcome: 'success' | 'failure', seconds: number): void;
  cache(event: CacheEvent): void;
  indexSize(source: string, size: number): void;
  dockerEvent(type: string): void;
  dockerResync(): void;
  firstRequestHold(outcome: HoldOutcome, seconds: number): void;
  upstream(status: number, seconds: number): void;
}

export const noopMetrics: Metrics = {
  request() {},
  stsCall() {},
  cache() {},
  indexSize() {},
  dockerEvent() {},
  dockerResync() {},
  firstRequestHold() {},
  upstream() {},
};
