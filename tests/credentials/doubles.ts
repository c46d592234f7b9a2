// In-memory stand-ins for the cache's collaborators: an STS that counts and can fail or hold its answers,
// and metrics that count.
import { noopMetrics, type CacheEvent, type Metrics } from '../../src/observability/metrics.js';
import type { AssumeRoleRequest } from '../../src/roles/assume-request.js';
import type { AwsCredentials } from '../../src/imds/aws-credentials.js';
import type { Clock } from '../../src/core/clock.js';
import type { StsGateway } from '../../src/credentials/types.js';

export interface StsCall {
  request: AssumeRoleRequest;
  at: number;
}

export class ScriptedSts implements StsGateway {
  readonly calls: StsCall[] = [];
  /** When set, every call fails with it. */
  failure: unknown;
  /** When set, calls wait until releaseHeld(). */
  holding = false;
  /** Lifetime of issued credentials; the request's duration when undefined. */
  lifetimeMs: number | undefined;
  private held: Array<() => void> = [];
  private issued = 0;

  constructor(private readonly clock: Pick<Clock, 'now'>) {}

  async assumeRole(request: AssumeRoleRequest): Promise<AwsCredentials> {
    this.calls.push({ request, at: this.clock.now() });
    if (this.holding) await new Promise<void>((resolve) => this.held.push(resolve));
    if (this.failure !== undefined) throw this.failure;
    const serial = String(++this.issued).padStart(6, '0');
    return {
      accessKeyId: `ASIAFAKE${serial}AAAAAA`,
      secretAccessKey: `secret-${serial}-${'s'.repeat(26)}`,
      sessionToken: `token-${serial}-${'t'.repeat(200)}`,
      expiration: new Date(this.clock.now() + (this.lifetimeMs ?? request.durationSeconds * 1000)),
    };
  }

  releaseHeld(): void {
    this.holding = false;
    for (const resolve of this.held.splice(0)) resolve();
  }

  callsFor(roleArn: string): StsCall[] {
    return this.calls.filter((c) => c.request.roleArn === roleArn);
  }
}

export class CountingMetrics implements Metrics {
  readonly cacheEvents: Record<CacheEvent, number> = { hit: 0, miss: 0, refresh: 0, refresh_failure: 0, evict: 0 };
  readonly stsCalls = { success: 0, failure: 0 };
  request = noopMetrics.request;
  indexSize = noopMetrics.indexSize;
  dockerEvent = noopMetrics.dockerEvent;
  dockerResync = noopMetrics.dockerResync;
  firstRequestHold = noopMetrics.firstRequestHold;
  upstream = noopMetrics.upstream;

  cache(event: CacheEvent): void {
    this.cacheEvents[event]++;
  }

  stsCall(outcome: 'success' | 'failure'): void {
    this.stsCalls[outcome]++;
  }
}
