// SIGHUP with changed settings applies them in place: IMDSv2 tokens, cached credentials and unchanged
// listeners survive it; a changed listen address rebinds that listener only; a broken edit changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { freePort, startCli, type CliProcess } from './cli-process.js';
import { requestFrom, type Reply } from '../helpers/proxy-harness.js';

const CREDS = '/latest/meta-data/iam/security-credentials/';


async function until(what: string, check: () => boolean, cli: CliProcess): Promise<void> {
  for (let i = 0; i < 600 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(check(), `${what} (exit ${cli.child.exitCode}, signal ${cli.child.signalCode}):\n${cli.output()}`);
}

const count = (cli: CliProcess, pattern: RegExp) => (cli.output().match(new RegExp(pattern.source, 'g')) ?? []).length;

/** Sends SIGHUP and waits for the n-th line matching `pattern`. */
async function hangUp(cli: CliProcess, pattern: RegExp): Promise<void> {
  const before = count(cli, pattern);
  cli.child.kill('SIGHUP');
  await until(`a line matching ${pattern}`, () => count(cli, pattern) > before, cli);
}

function keepAliveGet(agent: http.Agent, url: string, caller: string, path: string, headers: Record<string, string>): Promise<Reply & { localPort: number }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.get({ host: target.hostname, port: target.port, path, headers, agent, localAddress: caller }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString(), localPort: req.socket!.localPort! }));
    });
    req.on('error', reject);
  });
}

test('a settings-change SIGHUP keeps tokens, cached credentials and the open connection', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mdp-reload-'));
  const configFile = join(dir, 'config.json');
  const mapping = join(dir, 'roles.json');
  writeFileSync(mapping, JSON.stringify({ '127.0.0.2': 'app@123456789012' }));
  writeFileSync(configFile, JSON.stringify({ defaultRole: 'first@123456789012', httpTokens: 'required', roleMappingFile: mapping }));
  const cli = await startCli(['-c', configFile], { MOCK_API: 'true', MOCK_STS: 'true' });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const token = (await requestFrom(cli.url, '127.0.0.2', '/latest/api/token', { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '300' } })).body;
    const headers = { 'x-aws-ec2-metadata-token': token };
    const before = await keepAliveGet(agent, cli.url, '127.0.0.2', `${CREDS}app`, headers);
    assert.equal(before.status, 200, before.body);

    writeFileSync(configFile, JSON.stringify({ defaultRole: 'second@123456789012', httpTokens: 'required', roleMappingFile: mapping }));
    await hangUp(cli, /SIGHUP: settings applied/);
    assert.match(cli.output(), /SIGHUP: settings applied \(defaultRole\)/);

    const after = await keepAliveGet(agent, cli.url, '127.0.0.2', `${CREDS}app`, headers);
    assert.equal(after.status, 200, `the token minted before the reload is still valid: ${after.body}`);
    assert.equal(after.localPort, before.localPort, 'the same keep-alive connection served both');
    const keyOf = (reply: Reply) => (JSON.parse(reply.body) as { AccessKeyId: string }).AccessKeyId;
    assert.equal(keyOf(after), keyOf(before), 'the same caller gets the same cached credentials');

    const unknownToken = (await requestFrom(cli.url, '127.0.0.4', '/latest/api/token', { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' } })).body;
    assert.equal((await requestFrom(cli.url, '127.0.0.4', CREDS, { headers: { 'x-aws-ec2-metadata-token': unknownToken } })).body, 'second', 'the new default role applies');
  } finally {
    agent.destroy();
    cli.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a broken edit keeps the running settings and says why', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mdp-reload-'));
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify({ defaultRole: 'first@123456789012' }));
  const cli = await startCli(['-c', configFile], { MOCK_API: 'true', MOCK_STS: 'true' });
  try {
    writeFileSync(configFile, JSON.stringify({ defaultRole: 'web@prod' }));
    await hangUp(cli, /SIGHUP: settings invalid/);
    assert.ok(cli.output().includes(`SIGHUP: settings invalid, keeping the running ones: -c ${configFile}: defaultRole: role spec \\"web@prod\\": unknown account alias \\"prod\\"`), cli.output());
    writeFileSync(configFile, '{ broken');
    await hangUp(cli, /SIGHUP: settings invalid/);
    assert.match(cli.output(), /expected a JSON object/);
    assert.equal((await requestFrom(cli.url, '127.0.0.4', CREDS)).body, 'first');
  } finally {
    cli.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a changed PORT rebinds that listener only; a busy one keeps the running listener', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mdp-reload-'));
  const configFile = join(dir, 'config.json');
  const [first, second] = [await freePort(), await freePort()];
  writeFileSync(configFile, JSON.stringify({ port: first, defaultRole: 'app@123456789012' }));
  const cli = await startCli(['-c', configFile], { MOCK_API: 'true', MOCK_STS: 'true', PORT: '' });
  const busy = createServer();
  try {
    assert.equal(cli.url, `http://127.0.0.1:${first}`);
    writeFileSync(configFile, JSON.stringify({ port: second, defaultRole: 'app@123456789012' }));
    await hangUp(cli, /SIGHUP: settings applied/);
    assert.equal((await requestFrom(`http://127.0.0.1:${second}`, '127.0.0.2', CREDS)).body, 'app');
    await assert.rejects(requestFrom(`http://127.0.0.1:${first}`, '127.0.0.2', CREDS), 'the old port is closed');
    const admin = await fetch(`http://${cli.admin}/healthz`);
    assert.equal(admin.status, 200, 'the admin listener stayed where it was');

    await new Promise<void>((resolve) => busy.listen(first, '127.0.0.1', resolve));
    writeFileSync(configFile, JSON.stringify({ port: first, defaultRole: 'app@123456789012' }));
    await hangUp(cli, /SIGHUP: the new settings do not start/);
    assert.match(cli.output(), new RegExp(`keeping the running ones: PORT ${first} on 127\\.0\\.0\\.1: address already in use`));
    assert.equal((await requestFrom(`http://127.0.0.1:${second}`, '127.0.0.2', CREDS)).body, 'app');
  } finally {
    busy.close();
    cli.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
