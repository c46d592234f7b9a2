import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { startupLine } from '../../src/observability/startup-line.js';

function config(env: Record<string, string> = {}): Config {
  const loaded = loadConfig({ argv: [], env, readFile: () => assert.fail('no file') });
  assert.ok(loaded.ok && loaded.action === 'run');
  return loaded.config;
}

describe('start-up line', () => {
  it('names listen addresses, mode and identity sources on one line', () => {
    const line = startupLine(config({ STATSD_ADDR: '127.0.0.1:8125' }), ['docker (unix:///var/run/docker.sock)', 'mapping (/etc/roles.json)']);
    assert.equal(
      line,
      'metadataproxy listening on http://0.0.0.0:8000, admin http://127.0.0.1:8001; ' +
        'mode: passthrough to http://169.254.169.254, STS aws, IMDSv2 tokens optional, unknown callers passthrough; ' +
        'identity: docker (unix:///var/run/docker.sock), mapping (/etc/roles.json); metrics: prometheus, statsd 127.0.0.1:8125',
    );
    assert.ok(!line.includes('\n'));
  });

  it('shows the bound addresses when given, and mock mode', () => {
    const line = startupLine(config({ MOCK_API: 'true', PORT: '0' }), [], { proxy: 'http://0.0.0.0:41234', admin: '127.0.0.1:41235' });
    assert.match(line, /^metadataproxy listening on http:\/\/0\.0\.0\.0:41234, admin http:\/\/127\.0\.0\.1:41235; mode: mock metadata, .*identity: none;/);
  });
});
