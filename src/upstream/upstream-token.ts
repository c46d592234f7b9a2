// The proxy's own IMDSv2 session token for the upstream IMDS. Many hosts require tokens (HttpTokens=required),
// and a container's token must never be forwarded, so the proxy holds one token of its own and shares it
// across all passthrough requests. Upstreams without token support get plain IMDSv1 requests meanwhile.
import type { Clock } from '../core/clock.js';
import type { Logger } from '../observability/logger.js';
import { MAX_TOKEN_TTL_SECONDS } from '../imds/token-protocol.js';
import { backoffMs } from '../core/backoff.js';

export type TokenFetchResult = { kind: 'token'; token: string; ttlSeconds: number } | { kind: 'refused'; reason: string };

export interface UpstreamTokenOptions {
  /** `PUT /latest/api/token` on the upstream. May throw (network failure); that counts as refused. */
  fetchToken(ttlSeconds: number): Promise<TokenFetchResult>;
  clock: Clock;
  logger: Logger;
  /** Requested lifetime; 21600 s is the IMDS maximum. */
  ttlSeconds?: number;
  /** Start a background refresh once less than this is left (capped at a quarter of the lifetime). */
  refreshMarginMs?: number;
  /** Stop sending a token this close to its expiry (capped at a tenth of the lifetime): in-flight clock skew. */
  expiryMarginMs?: number;
  /** Wait after a refused or failed PUT before asking again; doubles per failure up to `maxRetryDelayMs`. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
}

export interface UpstreamTokens {
  /** The token to attach, or undefined to send a plain IMDSv1 request. Never rejects. */
  current(): Promise<string | undefined>;
  /** The upstream answered 401 to a request sent with `token` (or without one): get a fresh token next time. */
  rejected(token: string | undefined): void;
}

export function createUpstreamTokens(options: UpstreamTokenOptions): UpstreamTokens {
  const { fetchToken, clock, logger } = options;
  const ttlSeconds = options.ttlSeconds ?? MAX_TOKEN_TTL_SECONDS;
  const refreshMarginMs = options.refreshMarginMs ?? 5 * 60_000;
  const expiryMarginMs = options.expiryMarginMs ?? 10_000;
  const retryDelayMs = options.retryDelayMs ?? 5_000;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 5 * 60_000;

  let token: string | undefined;
  let refreshAt = 0;
  let usableUntil = 0;
  let retryAt = 0;
  let failures = 0;
  let inflight: Promise<void> | undefined;

  async function fetchOnce(): Promise<void> {
    const started = clock.now();
    let result: TokenFetchResult;
    try {
      result = await fetchToken(ttlSeconds);
    } catch (error) {
      result = { kind: 'refused', reason: (error as { code?: string }).code ?? (error as Error).message };
    }
    if (result.kind === 'token') {
      const lifetimeMs = result.ttlSeconds * 1000;
      token = result.token;
      // Measured from before the PUT, so the upstream's clock never runs ahead of ours.
      refreshAt = started + lifetimeMs - Math.min(refreshMarginMs, lifetimeMs / 4);
      usableUntil = started + lifetimeMs - Math.min(expiryMarginMs, lifetimeMs / 10);
      failures = 0;
      retryAt = 0;
      logger.debug({ ttlSeconds: result.ttlSeconds }, 'upstream IMDS token obtained');
      return;
    }
    failures += 1;
    const delayMs = backoffMs(failures - 1, retryDelayMs, maxRetryDelayMs);
    retryAt = clock.now() + delayMs;
    const log = failures === 1 ? logger.warn.bind(logger) : logger.debug.bind(logger);
    log({ reason: result.reason, retryInSeconds: delayMs / 1000 }, 'upstream IMDS token unavailable; sending IMDSv1 requests');
  }

  function refresh(): Promise<void> {
    inflight ??= fetchOnce().finally(() => {
      inflight = undefined;
    });
    return inflight;
  }

  function usable(now: number): string | undefined {
    return token !== undefined && now < usableUntil ? token : undefined;
  }

  return {
    async current() {
      const now = clock.now();
      const valid = usable(now);
      if (valid !== undefined) {
        if (now >= refreshAt && now >= retryAt) void refresh();
        return valid;
      }
      if (now < retryAt) return undefined;
      await refresh();
      return usable(clock.now());
    },
    rejected(rejectedToken) {
      if (rejectedToken !== token) return; // a newer token already replaced it
      token = undefined;
      retryAt = 0;
    },
  };
}
