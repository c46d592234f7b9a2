// STS credentials per credential key, kept fresh in the background so requests are answered from memory.
//
// Rules:
// - A warm get() is synchronous: one WeakMap read for the key, one Map read, an expiry check.
// - Concurrent misses for a key share one STS call.
// - Refresh is due when fewer than refreshBeforeExpiryMs (+ a random head start of up to
//   refreshJitterMs, so keys fetched together do not refresh together) remain; until the new credentials
//   arrive the old ones are served, so served credentials keep at least refreshBeforeExpiryMs while STS
//   answers.
// - A failed fetch is retried with capped, jittered exponential backoff. Unexpired credentials are served
//   meanwhile; expired ones never are. While a key backs off, a request without servable credentials gets
//   the last error at once instead of another STS call.
// - Who keeps a key alive: retain() holders (a running workload with this role), or requests — a key
//   requested within the lifetime of its current credentials keeps being refreshed (SDKs ask again well
//   before their credentials expire, so an active caller never lets its key lapse). A key with neither is
//   "parked": not refreshed, served until it expires, then dropped; a request wakes it up.
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { credentialsBody } from '../imds/answers.js';
import { credentialKey } from './credential-key.js';
import { StsError, toStsError } from './sts-error.js';
import type { AssumeRoleRequest } from '../roles/assume-request.js';
import type { AwsCredentials } from '../imds/aws-credentials.js';
import type { Clock } from '../core/clock.js';
import type { StsGateway } from './types.js';
import { jitteredBackoffMs } from '../core/backoff.js';

export interface CachedCredentials {
  readonly key: string;
  readonly credentials: AwsCredentials;
  readonly lastUpdated: Date;
  /** credentials.expiration in epoch ms. */
  readonly expiresAt: number;
  /** Pre-serialized IMDS answer. */
  readonly body: Buffer;
}

export interface CredentialCacheOptions {
  sts: StsGateway;
  clock: Clock;
  /** Uniform in [0, 1). */
  random: () => number;
  refreshBeforeExpiryMs: number;
  /** Refreshes start up to this much earlier, at random. */
  refreshJitterMs?: number;
  /** First retry delay after a failure; doubles per consecutive failure up to maxBackoffMs. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  metrics: Metrics;
  logger: Logger;
}

export type EntryState = 'fetching' | 'fresh' | 'backing-off' | 'parked' | 'expired';

/** What /status may show: no secrets. */
export interface CacheEntryStatus {
  key: string;
  roleArn: string;
  sessionName: string;
  state: EntryState;
  holders: number;
  expiration?: string;
  lastUpdated?: string;
  nextRefresh?: string;
  consecutiveFailures: number;
  lastError?: { status: number; code: string; message: string };
}

export const DEFAULT_REFRESH_JITTER_MS = 5 * 60_000;
export const DEFAULT_MIN_BACKOFF_MS = 1_000;
export const DEFAULT_MAX_BACKOFF_MS = 60_000;
/** setTimeout's limit; longer delays would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Slot {
  readonly key: string;
  readonly request: AssumeRoleRequest;
  current: CachedCredentials | undefined;
  /** Lifetime of `current` when it arrived; also how long a request keeps the key refreshed. */
  lifetimeMs: number;
  inflight: Promise<CachedCredentials> | undefined;
  timer: unknown;
  /** When the next refresh (after a success) or retry (after a failure) is due. */
  dueAt: number;
  parked: boolean;
  holders: number;
  lastRequestedAt: number;
  failures: number;
  lastError: StsError | undefined;
}

function noop(): void {}

export class CredentialCache {
  private readonly slots = new Map<string, Slot>();
  /** Requests are immutable and long-lived (one per workload), so their key is computed once. */
  private readonly keys = new WeakMap<AssumeRoleRequest, string>();
  private readonly jitterMs: number;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private closed = false;

  constructor(private options: CredentialCacheOptions) {
    this.jitterMs = options.refreshJitterMs ?? DEFAULT_REFRESH_JITTER_MS;
    this.minBackoffMs = options.minBackoffMs ?? DEFAULT_MIN_BACKOFF_MS;
    this.maxBackoffMs = options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
  }

  /** A settings reload: entries stay; the next refresh of each is planned with the new threshold. */
  reconfigure(changes: Partial<Pick<CredentialCacheOptions, 'refreshBeforeExpiryMs' | 'logger'>>): void {
    this.options = { ...this.options, ...changes };
  }

  keyOf(request: AssumeRoleRequest): string {
    let key = this.keys.get(request);
    if (key === undefined) {
      const computed = credentialKey(request);
      // The slot's own string when there is one: equal requests of many workloads then share one key
      // string, and a lookup compares pointers instead of characters.
      key = this.slots.get(computed)?.key ?? computed;
      this.keys.set(request, key);
    }
    return key;
  }

  /** Hot path: the credentials when warm (synchronously), else a promise shared by all who wait for them. */
  get(request: AssumeRoleRequest): CachedCredentials | Promise<CachedCredentials> {
    const key = this.keyOf(request);
    const warm = this.getByKey(key);
    if (warm !== undefined) return warm;
    this.options.metrics.cache('miss');
    return this.fetchOnDemand(this.slots.get(key) ?? this.createSlot(key, request, this.options.clock.now()));
  }

  /** The unexpired credentials of a key, or undefined (nothing is fetched). Counts as a request. */
  getByKey(key: string): CachedCredentials | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    const now = this.options.clock.now();
    slot.lastRequestedAt = now;
    const current = slot.current;
    if (current === undefined || now >= current.expiresAt) return undefined;
    if (slot.parked) this.wake(slot);
    this.options.metrics.cache('hit');
    return current;
  }

  /** Keep a key's credentials fetched and refreshed until released; returns the key. */
  retain(request: AssumeRoleRequest): string {
    const key = this.keyOf(request);
    const slot = this.slots.get(key) ?? this.createSlot(key, request, -Infinity);
    slot.holders++;
    this.wake(slot);
    return key;
  }

  /** Undo one retain(). Without holders and requests, the key stops being refreshed and is dropped once expired. */
  release(requestOrKey: AssumeRoleRequest | string): void {
    const key = typeof requestOrKey === 'string' ? requestOrKey : this.keyOf(requestOrKey);
    const slot = this.slots.get(key);
    if (slot !== undefined && slot.holders > 0) slot.holders--;
  }

  entries(): CacheEntryStatus[] {
    const now = this.options.clock.now();
    return [...this.slots.values()].map((slot) => this.statusOf(slot, now));
  }

  close(): void {
    this.closed = true;
    for (const slot of this.slots.values()) this.cancelTimer(slot);
    this.slots.clear();
  }

  private statusOf(slot: Slot, now: number): CacheEntryStatus {
    const servable = slot.current !== undefined && now < slot.current.expiresAt;
    const refreshing = slot.timer !== undefined && !slot.parked && (slot.holders > 0 || servable);
    return {
      key: slot.key,
      roleArn: slot.request.roleArn,
      sessionName: slot.request.sessionName,
      state: this.stateOf(slot, servable),
      holders: slot.holders,
      ...(slot.current !== undefined && {
        expiration: slot.current.credentials.expiration.toISOString(),
        lastUpdated: slot.current.lastUpdated.toISOString(),
      }),
      ...(refreshing && { nextRefresh: new Date(slot.dueAt).toISOString() }),
      consecutiveFailures: slot.failures,
      ...(slot.lastError !== undefined && {
        lastError: { status: slot.lastError.status, code: slot.lastError.code, message: slot.lastError.message },
      }),
    };
  }

  private stateOf(slot: Slot, servable: boolean): EntryState {
    if (slot.inflight !== undefined) return 'fetching';
    if (slot.parked) return 'parked';
    if (slot.failures > 0) return 'backing-off';
    return servable ? 'fresh' : 'expired';
  }

  private createSlot(key: string, request: AssumeRoleRequest, lastRequestedAt: number): Slot {
    const slot: Slot = {
      key,
      request,
      current: undefined,
      lifetimeMs: request.durationSeconds * 1000,
      inflight: undefined,
      timer: undefined,
      dueAt: 0,
      parked: false,
      holders: 0,
      lastRequestedAt,
      failures: 0,
      lastError: undefined,
    };
    this.slots.set(key, slot);
    return slot;
  }

  private fetchOnDemand(slot: Slot): Promise<CachedCredentials> {
    if (slot.inflight !== undefined) return slot.inflight;
    if (slot.lastError !== undefined && this.options.clock.now() < slot.dueAt) return Promise.reject(slot.lastError);
    return this.fetch(slot, false);
  }

  /** Due work now, or at its time: a refresh or retry when one is due, else a first fetch. */
  private wake(slot: Slot): void {
    if (slot.inflight !== undefined) return;
    if (slot.dueAt <= this.options.clock.now()) void this.fetch(slot, true).catch(noop);
    else this.schedule(slot, slot.dueAt);
  }

  private fetch(slot: Slot, background: boolean): Promise<CachedCredentials> {
    if (slot.inflight !== undefined) return slot.inflight;
    this.cancelTimer(slot);
    slot.parked = false;
    if (background) this.options.metrics.cache('refresh');
    const started = this.options.clock.now();
    const inflight = new Promise<AwsCredentials>((resolve) => resolve(this.options.sts.assumeRole(slot.request))).then(
      (credentials) => this.succeeded(slot, credentials, started, background),
      (error: unknown) => this.failed(slot, toStsError(error), started, background),
    );
    // Failures are recorded on the slot; the promise only informs those waiting for it.
    inflight.catch(noop);
    slot.inflight = inflight;
    return inflight;
  }

  private succeeded(slot: Slot, credentials: AwsCredentials, started: number, background: boolean): CachedCredentials {
    const now = this.options.clock.now();
    const expiresAt = credentials.expiration.getTime();
    if (!(expiresAt > now)) {
      // Never serve expired credentials, even fresh from STS (a clock far off from AWS's).
      return this.failed(slot, new StsError(503, 'ExpiredOnArrival', `STS returned credentials expiring at ${credentials.expiration.toISOString()}`), started, background);
    }
    this.options.metrics.stsCall('success', (now - started) / 1000);
    slot.inflight = undefined;
    const lastUpdated = new Date(now);
    const entry: CachedCredentials = { key: slot.key, credentials, lastUpdated, expiresAt, body: credentialsBody(credentials, lastUpdated) };
    slot.current = entry;
    slot.lifetimeMs = expiresAt - now;
    if (slot.failures > 0) {
      this.options.logger.info({ roleArn: slot.request.roleArn, sessionName: slot.request.sessionName, failures: slot.failures }, 'AssumeRole succeeds again');
    }
    slot.failures = 0;
    slot.lastError = undefined;
    slot.dueAt = this.refreshTime(now, expiresAt);
    this.schedule(slot, slot.dueAt);
    return entry;
  }

  private failed(slot: Slot, error: StsError, started: number, background: boolean): never {
    const now = this.options.clock.now();
    this.options.metrics.stsCall('failure', (now - started) / 1000);
    if (background) this.options.metrics.cache('refresh_failure');
    slot.inflight = undefined;
    // Once per change of state, not per attempt.
    if (slot.lastError?.code !== error.code) {
      const servable = slot.current !== undefined && now < slot.current.expiresAt;
      this.options.logger.warn(
        {
          roleArn: slot.request.roleArn,
          sessionName: slot.request.sessionName,
          status: error.status,
          code: error.code,
          reason: error.message,
          servingCachedUntil: servable ? slot.current!.credentials.expiration.toISOString() : undefined,
        },
        'AssumeRole failed; retrying with backoff',
      );
    }
    slot.failures++;
    slot.lastError = error;
    slot.dueAt = now + this.backoff(slot.failures);
    this.schedule(slot, slot.dueAt);
    throw error;
  }

  private refreshTime(now: number, expiresAt: number): number {
    const lifetime = expiresAt - now;
    const slack = lifetime - this.options.refreshBeforeExpiryMs;
    // Credentials shorter-lived than the threshold: refresh halfway through, never in a tight loop.
    if (slack <= 0) return now + Math.max(lifetime / 2, this.minBackoffMs);
    return now + slack - this.options.random() * Math.min(this.jitterMs, slack / 2);
  }

  private backoff(failures: number): number {
    return jitteredBackoffMs(failures - 1, this.minBackoffMs, this.maxBackoffMs, this.options.random);
  }

  private schedule(slot: Slot, at: number, parked = false): void {
    this.cancelTimer(slot);
    if (this.closed || this.slots.get(slot.key) !== slot) return;
    slot.parked = parked;
    const delay = Math.min(Math.max(at - this.options.clock.now(), 0), MAX_TIMER_MS);
    const handle = this.options.clock.setTimeout(() => this.tick(slot), delay);
    (handle as { unref?(): unknown } | undefined)?.unref?.();
    slot.timer = handle;
  }

  private cancelTimer(slot: Slot): void {
    if (slot.timer === undefined) return;
    this.options.clock.clearTimeout(slot.timer);
    slot.timer = undefined;
  }

  private tick(slot: Slot): void {
    slot.timer = undefined;
    const now = this.options.clock.now();
    const servable = slot.current !== undefined && now < slot.current.expiresAt;
    const requestedUntil = slot.lastRequestedAt + slot.lifetimeMs;
    if (slot.holders > 0 || (servable && now < requestedUntil)) {
      void this.fetch(slot, true).catch(noop);
    } else if (servable) {
      this.schedule(slot, slot.current!.expiresAt, true);
    } else if (now < requestedUntil) {
      // Nothing servable and no holder: only requests call STS; keep the failure memory while they come.
      this.schedule(slot, requestedUntil);
    } else {
      this.slots.delete(slot.key);
      this.options.metrics.cache('evict');
    }
  }
}
