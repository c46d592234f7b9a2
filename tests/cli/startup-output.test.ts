// What an operator sees at start-up: the listening line at every log level, only well-formed log lines
// (the AWS SDK's Node-version warning included), and Docker identity that says why it is not ready.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCli, type CliProcess } from './cli-process.js';
import { FakeAws } from '../helpers/fake-aws.js';

async function until(cli: CliProcess, what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 300 && !(await check()); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(await check(), `${what}:\n${cli.output()}`);
}

test('the listening line is printed at LOG_LEVEL=error too', async () => {
  const cli = await startCli([], { MOCK_API: 'true', MOCK_STS: 'true', LOG_LEVEL: 'error' });
  try {
    assert.equal(cli.output().split('\n').filter(Boolean).length, 1, cli.output());
    assert.match(cli.output(), /"level":30,.*metadataproxy listening on/);
  } finally {
    cli.child.kill('SIGKILL');
  }
});

test('LOG_FORMAT=json with the AWS SDK loaded: every line is JSON, a process warning is one structured line', async () => {
  const aws = await FakeAws.start();
  const cli = await startCli([], {
    MOCK_API: 'true',
    AWS_ENDPOINT_URL_STS: aws.url,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIAPROXYOWNKEY00000',
    AWS_SECRET_ACCESS_KEY: 'proxy-own-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  try {
    await until(cli, 'the own identity is known', () => cli.output().includes('proxy identity'));
    process.kill(cli.child.pid!, 'SIGTERM');
    await cli.exited;
    const lines = cli.output().split('\n').filter(Boolean);
    for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), `not a JSON line: ${line}`);
    const sdkWarning = lines.map((l) => JSON.parse(l) as { level: number; warning?: string; msg: string }).find((l) => l.msg.startsWith('NodeVersionSupportWarning'));
    // The SDK warns on Node below 22 only; where it does, it is one WARN line with the text on one line.
    if (Number(process.versions.node.split('.')[0]) < 22) {
      assert.equal(sdkWarning?.level, 40);
      assert.equal(sdkWarning?.warning, 'Warning');
      assert.doesNotMatch(sdkWarning!.msg, /\n/);
    } else {
      assert.equal(sdkWarning, undefined);
    }
  } finally {
    cli.child.kill('SIGKILL');
    await aws.close();
  }
});

test('Docker expected but its socket missing: not ready with the reason, one WARN; DOCKER=false turns it off', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mdp-docker-'));
  const cli = await startCli([], { MOCK_API: 'true', MOCK_STS: 'true', DOCKER: '', DOCKER_URL: `unix://${dir}/docker.sock`, LOG_LEVEL: 'debug' });
  const off = await startCli([], { MOCK_API: 'true', MOCK_STS: 'true', DOCKER: 'false', DOCKER_URL: `unix://${dir}/docker.sock` });
  try {
    const readyz = async (c: CliProcess) => (await (await fetch(`http://${c.admin}/readyz`)).json()) as { ready: boolean; checks: { identity: { detail?: string } } };
    const ready = await readyz(cli);
    assert.equal(ready.ready, false);
    assert.match(ready.checks.identity.detail ?? '', new RegExp(`docker unreachable: .*ENOENT.*${dir}/docker.sock.*; retrying`));
    await until(cli, 'a second attempt', () => (cli.output().match(/Docker unreachable/g) ?? []).length >= 2);
    assert.equal((cli.output().match(/"level":40[^\n]*Docker unreachable/g) ?? []).length, 1, 'later attempts log at debug');
    assert.equal((await readyz(off)).ready, true);
  } finally {
    cli.child.kill('SIGKILL');
    off.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a mapping-file set-up with no Docker socket and no Docker setting runs on the mapping file alone', async () => {
  const { effectiveConfig } = await import('../../src/config/effective.js');
  const { loadConfig } = await import('../../src/config/load.js');
  const load = (env: Record<string, string>) => {
    const loaded = loadConfig({ argv: [], env, readFile: () => '' });
    assert.ok(loaded.ok && loaded.action === 'run');
    return loaded;
  };
  assert.equal(effectiveConfig(load({ ROLE_MAPPING_FILE: '/etc/roles.json' }), { dockerSocketExists: false }).dockerEnabled, false);
  assert.equal(effectiveConfig(load({ ROLE_MAPPING_FILE: '/etc/roles.json', DOCKER: 'true' }), { dockerSocketExists: false }).dockerEnabled, true);
  assert.equal(effectiveConfig(load({}), { dockerSocketExists: false }).dockerEnabled, true, 'on a host Docker is expected: missing means retry');
  assert.equal(effectiveConfig(load({ ROLE_MAPPING_FILE: '/etc/roles.json' }), { dockerSocketExists: true }).dockerEnabled, true);
});
