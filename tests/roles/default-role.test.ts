import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/load.js';
import { defaultRoleProblems } from '../../src/roles/default-role.js';

function problems(env: Record<string, string>, file?: object): string[] {
  const loaded = loadConfig({ argv: file === undefined ? [] : ['-c', '/etc/mp.json'], env, readFile: () => JSON.stringify(file) });
  assert.ok(loaded.ok && loaded.action === 'run', JSON.stringify(loaded));
  return defaultRoleProblems(loaded.config, loaded.sources);
}

test('default roles that resolve offline, or that IAM will look up, pass', () => {
  assert.deepEqual(problems({ DEFAULT_ROLE: 'web@prod', AWS_ACCOUNT_MAP: '{"prod":"123456789012"}' }), []);
  assert.deepEqual(problems({ DEFAULT_ROLE: 'web', DEFAULT_ACCOUNT_ID: '123456789012', STS_MODE: 'offline' }), []);
  assert.deepEqual(problems({ DEFAULT_ROLE: 'web' }), [], 'real STS: iam:GetRole finds the account when first needed');
  assert.deepEqual(problems({ DEFAULT_ROLE: 'arn:aws:iam::123456789012:role/a/web' }), []);
});

test('a default role that cannot resolve names where it was set and quotes the whole spec', () => {
  assert.deepEqual(problems({}, { defaultRole: 'web@prod' }), [
    '-c /etc/mp.json: defaultRole: role spec "web@prod": unknown account alias "prod": AWS_ACCOUNT_MAP has no entry for it',
  ]);
  assert.deepEqual(problems({ DEFAULT_ROLE: 'web', STS_MODE: 'offline' }), [
    'DEFAULT_ROLE: role spec "web": names no account, DEFAULT_ACCOUNT_ID is not set and IAM is not available to look it up',
  ]);
  assert.deepEqual(problems({ DEFAULT_ROLE: 'arn:aws:iam::12:role/x' }).length, 1);
});
