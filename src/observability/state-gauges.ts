// Gauges read at scrape time from the running proxy's state: readiness per check (for alerts and the
// dashboard) and how soon the earliest cached credentials of a held key expire (refreshes failing while
// that shrinks is the alert that matters before callers see errors).
import { Gauge, type Registry } from 'prom-client';

export interface ProxyState {
  readiness(): { checks: Record<string, { ok: boolean }> };
  /** Seconds until the earliest expiry among credentials still wanted; undefined when none are cached. */
  earliestExpirySeconds(): number | undefined;
}

export function registerStateGauges(registry: Registry, state: ProxyState): void {
  new Gauge({
    name: 'metadataproxy_ready',
    help: 'Readiness by check (1 ready, 0 not), as /readyz reports it',
    labelNames: ['check'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [check, result] of Object.entries(state.readiness().checks)) this.set({ check }, result.ok ? 1 : 0);
    },
  });
  new Gauge({
    name: 'metadataproxy_credentials_earliest_expiry_seconds',
    help: 'Seconds until the earliest expiry of cached credentials that are still wanted (absent when none)',
    registers: [registry],
    collect() {
      this.reset();
      const seconds = state.earliestExpirySeconds();
      if (seconds !== undefined) this.set(seconds);
    },
  });
}
