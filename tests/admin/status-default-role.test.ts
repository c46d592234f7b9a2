// /status lists the callers DEFAULT_ROLE serves (unknown ones included) and why a role spec cannot resolve.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from '../helpers/proxy-harness.js';
import type { StatusReport } from '../../src/admin/status-report.js';
import { formatStatusTable } from '../../src/commands/status.js';

const CREDS = '/latest/meta-data/iam/security-credentials/';

test('/status: default-role callers, and the last error of a spec that cannot resolve', async () => {
  const h = await startHarness({
    env: { DEFAULT_ROLE: 'fallback@123456789012' },
    mappings: { '127.0.0.2': 'web@prod', '127.0.0.3': 'app@123456789012' },
  });
  try {
    assert.equal((await h.get('127.0.0.2', CREDS)).status, 404);
    assert.equal((await h.get('127.0.0.9', CREDS)).body, 'fallback');
    assert.equal((await h.get('127.0.0.9', `${CREDS}fallback`)).status, 200);
    const report = (await (await fetch(`http://${h.proxy.adminAddress}/status`)).json()) as StatusReport;
    const byCaller = new Map(report.callers.map((c) => [c.caller, c]));
    const { caller, source, container, role, defaultRole } = byCaller.get('127.0.0.9')!;
    assert.deepEqual({ caller, source, container, role, defaultRole }, { caller: '127.0.0.9', source: 'unknown', container: '-', role: 'arn:aws:iam::123456789012:role/fallback', defaultRole: true });
    assert.ok(byCaller.get('127.0.0.9')!.expiresAt);
    assert.equal(byCaller.get('127.0.0.2')!.role, 'web@prod');
    assert.equal(byCaller.get('127.0.0.2')!.lastError, 'role spec "web@prod": unknown account alias "prod": AWS_ACCOUNT_MAP has no entry for it');
    assert.equal(byCaller.get('127.0.0.3')!.defaultRole, undefined);
    assert.equal(report.proxy?.ready, true);
    const table = formatStatusTable(report);
    assert.match(table, /^ready: yes\n/);
    assert.match(table, /127\.0\.0\.9 +- +arn:aws:iam::123456789012:role\/fallback \(default\)/);
  } finally {
    await h.close();
  }
});
