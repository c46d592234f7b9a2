// The process as an operator runs it: SIGTERM drains, SIGHUP reloads, and a full run at debug level with
// the request log on writes no secret anywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startCli } from './cli-process.js';
import { requestFrom } from '../helpers/proxy-harness.js';
import { startImdsStub } from '../helpers/imds-stub.js';

const CREDS = '/latest/meta-data/iam/security-credentials/';


function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'mdp-cli-'));
}

test('SIGTERM lets an in-flight request finish, then exits 0', async () => {
  const imds = await startImdsStub({ routes: { '/latest/meta-data/slow': { body: 'slow answer', delayMs: 700 } } });
  const cli = await startCli([], { METADATA_URL: imds.url, MOCK_STS: 'true' });
  try {
    const inFlight = requestFrom(cli.url, '127.0.0.2', '/latest/meta-data/slow');
    await new Promise((r) => setTimeout(r, 200));
    cli.child.kill('SIGTERM');
    const reply = await inFlight;
    assert.equal(reply.status, 200);
    assert.equal(reply.body, 'slow answer');
    assert.equal(await cli.exited, 0);
    await assert.rejects(requestFrom(cli.url, '127.0.0.2', '/latest/meta-data/instance-id'), 'no longer listening');
  } finally {
    cli.child.kill('SIGKILL');
    await imds.close();
  }
});

test('SIGHUP applies an edited config file; a broken edit keeps the running settings', async () => {
  const dir = tempDir();
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify({ defaultRole: 'first@123456789012', hostnameMatchRegex: '^api' }));
  // A restart keeps the port only when it is fixed, as it is in production.
  const cli = await startCli(['-c', configFile], { MOCK_API: 'true', MOCK_STS: 'true', PORT: String(await freePort()) });
  try {
    assert.equal((await requestFrom(cli.url, '127.0.0.4', CREDS)).body, 'first');
    writeFileSync(configFile, JSON.stringify({ defaultRole: 'second@123456789012', hostnameMatchRegex: '^api' }));
    cli.child.kill('SIGHUP');
    let body = '';
    for (let i = 0; i < 100 && body !== 'second'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      body = await requestFrom(cli.url, '127.0.0.4', CREDS).then((r) => r.body, () => '');
    }
    assert.equal(body, 'second');

    // A change only a regular expression carries is a change too (JSON.stringify writes every RegExp as {}).
    writeFileSync(configFile, JSON.stringify({ defaultRole: 'second@123456789012', hostnameMatchRegex: '^web' }));
    cli.child.kill('SIGHUP');
    for (let i = 0; i < 100 && (cli.output().match(/SIGHUP: settings applied/g) ?? []).length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal((cli.output().match(/SIGHUP: settings applied/g) ?? []).length, 2, cli.output());

    writeFileSync(configFile, '{ broken');
    cli.child.kill('SIGHUP');
    for (let i = 0; i < 100 && !/SIGHUP: settings invalid/.test(cli.output()); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(cli.output(), /SIGHUP: settings invalid/);
    assert.equal((await requestFrom(cli.url, '127.0.0.4', CREDS)).body, 'second');
  } finally {
    cli.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const format of ['json', 'text', 'gelf']) {
  test(`a full run at debug level with the request log (${format}) logs no secret`, async () => {
    const dir = tempDir();
    const mapping = join(dir, 'roles.json');
    const externalId = 'ext-id-SECRET-7f3a9c';
    writeFileSync(mapping, JSON.stringify({ '127.0.0.2': { name: 'app', account_id: '123456789012', external_id: externalId } }));
    const cli = await startCli(['--verbose'], {
      MOCK_API: 'true',
      MOCK_STS: 'true',
      ROLE_MAPPING_FILE: mapping,
      LOG_LEVEL: 'debug',
      DEBUG: 'true',
      LOG_FORMAT: format,
    });
    try {
      const token = (
        await requestFrom(cli.url, '127.0.0.2', '/latest/api/token', { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' } })
      ).body;
      const headers = { 'x-aws-ec2-metadata-token': token };
      const creds = JSON.parse((await requestFrom(cli.url, '127.0.0.2', `${CREDS}app`, { headers })).body) as Record<string, string>;
      await requestFrom(cli.url, '127.0.0.2', `${CREDS}other`, { headers });
      await requestFrom(cli.url, '127.0.0.3', `${CREDS}app`, { headers });
      await requestFrom(cli.url, '127.0.0.2', '/latest/meta-data/instance-id', { headers: { 'x-aws-ec2-metadata-token': 'forged' + token } });
      cli.child.kill('SIGTERM');
      await cli.exited;

      const logs = cli.output();
      assert.match(logs, /\/latest\/meta-data\/iam\/security-credentials\/app/, 'the request log ran');
      for (const [name, secret] of [
        ['SecretAccessKey', creds.SecretAccessKey!],
        ['Token', creds.Token!],
        ['session token prefix', creds.Token!.slice(0, 40)],
        ['IMDSv2 token', token],
        ['external id', externalId],
      ] as const) {
        assert.ok(!logs.includes(secret), `${name} appears in the logs`);
      }
    } finally {
      cli.child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
