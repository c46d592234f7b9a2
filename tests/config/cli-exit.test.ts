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
    stderrLines: ['--prot: unknown option (see --help)', 'unexpected argument "8000" (see --help)'],
    stdout: '',
  });
});
