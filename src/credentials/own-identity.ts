// The proxy's own AWS identity (STS mode aws): the SDK's credential chain is resolved and
// sts:GetCallerIdentity asked in the background, retried with backoff until it answers. Until it does,
// /readyz is not ready and says why: without usable credentials of its own the proxy can get none for
// any container.
import type { Logger } from '../observability/logger.js';
import { jitteredBackoffMs } from '../core/backoff.js';
import { errorMessage } from '../core/error-message.js';
import type { Clock } from '../core/clock.js';

export interface CallerIdentity {
  account: string;
  arn: string;
  region: string;
  /** The STS endpoint the call went to, e.g. https://sts.eu-west-1.amazonaws.com. */
  endpoint: string;
}

export type OwnIdentityStatus =
  | { state: 'checking' }
  | ({ state: 'ok' } & CallerIdentity)
  | { state: 'failed'; reason: string; attempts: number; retryAt: string };

export interface OwnIdentityOptions {
  /** Rejects with the reason /readyz gives ("no credentials: …", "STS unreachable at …: …"). */
  whoAmI(): Promise<CallerIdentity>;
  clock: Clock;
  random: () => number;
  logger: Logger;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export const OWN_IDENTITY_MIN_BACKOFF_MS = 1_000;
export const OWN_IDENTITY_MAX_BACKOFF_MS = 60_000;

export class OwnIdentity {
  private current: OwnIdentityStatus = { state: 'checking' };
  private timer: unknown;
  private closed = false;

  constructor(private readonly options: OwnIdentityOptions) {}

  /** Starts the first attempt; never rejects. */
  start(): void {
    void this.attempt(0);
  }

  status(): OwnIdentityStatus {
    return this.current;
  }

  /** For /readyz. */
  check(): { ok: boolean; detail: string } {
    const status = this.current;
    if (status.state === 'ok') return { ok: true, detail: `proxy identity ${status.arn} (account ${status.account}, ${status.endpoint})` };
    if (status.state === 'checking') return { ok: false, detail: 'resolving the proxy\'s own credentials (sts:GetCallerIdentity)' };
    return { ok: false, detail: `no usable AWS credentials for the proxy: ${status.reason}; retrying (attempt ${status.attempts})` };
  }

  close(): void {
    this.closed = true;
    this.options.clock.clearTimeout(this.timer);
  }

  private async attempt(failures: number): Promise<void> {
    const { clock, logger } = this.options;
    try {
      const identity = await this.options.whoAmI();
      if (this.closed) return;
      this.current = { state: 'ok', ...identity };
      logger.info(identity, `proxy identity: ${identity.arn} (account ${identity.account}, region ${identity.region}, STS ${identity.endpoint})`);
    } catch (error) {
      if (this.closed) return;
      const reason = errorMessage(error);
      const delay = jitteredBackoffMs(failures, this.options.minBackoffMs ?? OWN_IDENTITY_MIN_BACKOFF_MS, this.options.maxBackoffMs ?? OWN_IDENTITY_MAX_BACKOFF_MS, this.options.random);
      const previous = this.current;
      this.current = { state: 'failed', reason, attempts: failures + 1, retryAt: new Date(clock.now() + delay).toISOString() };
      // Once per distinct reason, not once per retry.
      if (previous.state !== 'failed' || previous.reason !== reason) logger.warn({ reason, retryInMs: Math.round(delay) }, 'proxy has no usable AWS credentials; not ready');
      this.timer = clock.setTimeout(() => void this.attempt(failures + 1), delay);
      (this.timer as { unref?(): unknown } | undefined)?.unref?.();
    }
  }
}
