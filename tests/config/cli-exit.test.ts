// The real command line stops at a bad setting: exit status 2, one line per problem on stderr, nothing started.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

function runCli(env: Record<string, string>, argv: string[] = []) {
  assert.ok(existsSync(CLI), `${CLI} is missing: the CLI must call loadConfig and exit 2 on errors`);
  // A safe base: no Docker, no AWS, loopback only — should the CLI ever start instead of stopping.
  const base = { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', DOCKER: 'false', MOCK_API: 'true', STS_MODE: 'offline', ADMIN_LISTEN: '127.0.0.1:0' };
  const result = spawnSync(process.execPath, [CLI, ...argv], { env: { ...base, ...env }, encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' });
  return { status: result.status, stderrLines: result.stderr.split('\n').filter((l) => l !== ''), stdout: result.stdout };
}

test('a port out of range: exit 2 and exactly one line naming PORT', () => {
  const { status, stderrLines, stdout } = runCli({ PORT: '70000' });
  assert.equal(status, 2);
  assert.deepEqual(stderrLines, ['PORT: expected an integer 0-65535, got "70000"']);
  assert.equal(stdout, '');
});

test('bad JSON in AWS_ACCOUNT_MAP and a bad regex: both reported, one line each', () => {
  const { status, stderrLines } = runCli({ PORT: '0', AWS_ACCOUNT_MAP: '{prod: 1}', HOSTNAME_MATCH_REGEX: '[a-' });
  assert.equal(status, 2);
  assert.equal(stderrLines.length, 2, stderrLines.join('\n'));
  assert.match(stderrLines[0]!, /^AWS_ACCOUNT_MAP: expected a JSON object of alias → 12-digit account id: /);
  assert.match(stderrLines[1]!, /^HOSTNAME_MATCH_REGEX: expected a regular expression: /);
});

test('a bad duration, an unreadable config file and an unknown flag', () => {
  assert.deepEqual(runCli({ PORT: '0', ROLE_CACHE_OFFSET: '15' }), {
    status: 2,
    stderrLines: ['ROLE_CACHE_OFFSET: expected a Go duration such as 15m, 1h30m or 90s, at most 12h, got "15"'],
    stdout: '',
  });
  assert.deepEqual(runCli({ PORT: '0' }, ['-c', '/nonexistent/metadataproxy.json']), {
    status: 2,
    stderrLines: ['-c /nonexistent/metadataproxy.json: cannot read file: ENOENT'],
    stdout: '',
  });
  assert.deepEqual(runCli({ PORT: '0' }, ['--prot', '8000']), {
    status: 2,
    stderrLines: ['--prot: unknown option (did you mean --port?)', 'unexpected argument "8000" (see --help)'],
    stdout: '',
  });
});

test('DEFAULT_ROLE and defaultAlias are checked like any role spec: exit 2, one line quoting the whole spec', () => {
  const cases: Array<[Record<string, string>, string]> = [
    [{ DEFAULT_ROLE: 'bad role!' }, 'DEFAULT_ROLE: role spec "bad role!": role name "bad role!" must be 1-64 characters of letters, digits and _+=,.@-'],
    [{ DEFAULT_ROLE: 'web@prod' }, 'DEFAULT_ROLE: role spec "web@prod": unknown account alias "prod": AWS_ACCOUNT_MAP has no entry for it'],
    [{ DEFAULT_ROLE: 'web' }, 'DEFAULT_ROLE: role spec "web": names no account, DEFAULT_ACCOUNT_ID is not set and IAM is not available to look it up'],
  ];
  for (const [env, line] of cases) assert.deepEqual(runCli({ PORT: '0', ...env }), { status: 2, stderrLines: [line], stdout: '' });
});

test('a port in use: exit 2 with one line naming the setting and the address', async () => {
  const { createServer } = await import('node:net');
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const port = (busy.address() as { port: number }).port;
  try {
    const { spawn } = await import('node:child_process');
    const run = (env: Record<string, string>) =>
      new Promise<{ status: number | null; stderr: string }>((resolve) => {
        const base = { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', DOCKER: 'false', MOCK_API: 'true', STS_MODE: 'offline', ADMIN_LISTEN: '127.0.0.1:0', PORT: '0' };
        const child = spawn(process.execPath, [CLI], { env: { ...base, ...env } });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('exit', (status) => resolve({ status, stderr }));
      });
    assert.deepEqual(await run({ PORT: String(port) }), { status: 2, stderr: `PORT ${port} on 127.0.0.1: address already in use\n` });
    assert.deepEqual(await run({ ADMIN_LISTEN: `127.0.0.1:${port}` }), { status: 2, stderr: `ADMIN_LISTEN ${port} on 127.0.0.1: address already in use\n` });
  } finally {
    busy.close();
  }
});

test('`metadataproxy config` prints every setting with its source, secrets redacted; a bad one exits 2', () => {
  const { status, stdout, stderrLines } = runCli({ PORT: '9000', NEWRELIC_LICENSE: 'license-SECRET-123', DEFAULT_ROLE: 'web@123456789012' }, ['config', '--verbose']);
  assert.equal(status, 0, stderrLines.join('\n'));
  const lines = stdout.split('\n');
  assert.ok(lines.some((l) => /^port +9000 +\(PORT\)$/.test(l)), stdout);
  assert.ok(lines.some((l) => /^verbose +true +\(--verbose\)$/.test(l)), stdout);
  assert.ok(lines.some((l) => /^newrelicLicense +<redacted> +\(NEWRELIC_LICENSE\)$/.test(l)), stdout);
  assert.ok(lines.some((l) => /^adminListen +127\.0\.0\.1:0 +\(ADMIN_LISTEN\)$/.test(l)), stdout);
  assert.ok(lines.some((l) => /^unknownCaller +passthrough +\(default\)$/.test(l)), stdout);
  assert.ok(!stdout.includes('license-SECRET-123'));
  assert.deepEqual(runCli({ DEFAULT_ROLE: 'web@prod' }, ['config']), {
    status: 2,
    stderrLines: ['DEFAULT_ROLE: role spec "web@prod": unknown account alias "prod": AWS_ACCOUNT_MAP has no entry for it'],
    stdout: '',
  });
  const help = runCli({}, ['status', '--help']).stdout;
  assert.match(help, /^Usage: metadataproxy status/);
  assert.doesNotMatch(help, /DEFAULT_ROLE|--port/);
});
