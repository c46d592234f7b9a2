// Every metric the Grafana dashboard and the Prometheus alerts name exists in a real /metrics scrape, so
// the packaged files cannot drift from what the proxy exports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startHarness } from '../helpers/proxy-harness.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const HISTOGRAM_PARTS = /_(bucket|count|sum)$/;

function metricNames(text: string): Set<string> {
  return new Set(text.match(/\bmetadataproxy_[a-z0-9_]+\b/g) ?? []);
}

test('every metric in packaging/grafana-dashboard.json and packaging/prometheus-alerts.yml is exported', async () => {
  const dashboard = readFileSync(`${root}packaging/grafana-dashboard.json`, 'utf8');
  const alerts = readFileSync(`${root}packaging/prometheus-alerts.yml`, 'utf8');
  const panels = (JSON.parse(dashboard) as { panels: Array<{ targets: Array<{ expr: string }> }> }).panels;
  assert.ok(panels.length >= 8);
  const h = await startHarness({ env: { DEFAULT_ROLE: 'app@123456789012' } });
  try {
    await h.get('127.0.0.2', '/latest/meta-data/iam/security-credentials/app');
    const scrape = await (await fetch(`http://${h.proxy.adminAddress}/metrics`)).text();
    const types = new Map([...scrape.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
    for (const [file, text] of [['dashboard', dashboard], ['alerts', alerts]] as const) {
      const names = metricNames(text);
      assert.ok(names.size >= 5, `${file} names metrics`);
      for (const name of names) {
        const base = name.replace(HISTOGRAM_PARTS, '');
        const type = types.get(name) ?? types.get(base);
        assert.ok(type !== undefined, `${file} names ${name}, which /metrics does not export`);
        if (name !== base && !types.has(name)) assert.equal(type, 'histogram', `${name}: ${base} is not a histogram`);
      }
    }
    assert.match(scrape, /^metadataproxy_ready\{check="sts"\} 1$/m);
    assert.match(scrape, /^metadataproxy_credentials_earliest_expiry_seconds \d+/m);
  } finally {
    await h.close();
  }
});
