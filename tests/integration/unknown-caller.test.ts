// UNKNOWN_CALLER=deny: callers no identity source knows get 404 everywhere, but a caller that a source is
// still catching up on (a container whose first request races its start event) is waited for, as on the
// IAM routes, rather than refused.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../helpers/proxy-harness.js';
import type { IdentitySource, Workload } from '../../src/identity/workload.js';

const LATE_CALLER = '127.0.0.5';

/** Knows LATE_CALLER only once asked after a miss, 50 ms later, as the Docker source does after its resync. */
function lateSource(): IdentitySource {
  const late: Workload = { id: 'late', name: 'late', source: 'docker' };
  let known = false;
  return {
    name: 'late',
    lookup: (ip) => (known && ip === LATE_CALLER ? late : undefined),
    resolveMiss: async (ip) => {
      if (ip !== LATE_CALLER) return undefined;
      await new Promise((r) => setTimeout(r, 50));
      known = true;
      return late;
    },
    entries: () => (known ? [[LATE_CALLER, late]] : []),
    isReady: () => true,
    onChange: () => {},
    start: async () => {},
    close: async () => {},
  };
}

describe('UNKNOWN_CALLER=deny', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ env: { UNKNOWN_CALLER: 'deny' }, mappings: { '127.0.0.2': 'reader' }, deps: { sources: [lateSource()] } });
  });
  after(() => h.close());

  test('a known caller reaches the upstream', async () => {
    const r = await h.get('127.0.0.2', '/latest/meta-data/instance-id');
    assert.deepEqual([r.status, r.body], [200, 'upstream GET /latest/meta-data/instance-id']);
  });

  test('a caller no source knows gets 404 on every route', async () => {
    for (const path of ['/latest/meta-data/instance-id', '/latest/meta-data/iam/security-credentials/']) {
      assert.equal((await h.get('127.0.0.9', path)).status, 404, path);
    }
  });

  test('a caller a source is catching up on is waited for, not refused', async () => {
    const r = await h.get(LATE_CALLER, '/latest/meta-data/instance-id');
    assert.deepEqual([r.status, r.body], [200, 'upstream GET /latest/meta-data/instance-id']);
  });
});
