import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Workload } from '../../src/identity/workload.js';
import { DEFAULT_SESSION_NAME, sanitizeSessionName, sessionNameFor } from '../../src/roles/session-name.js';
import { parseRoleSessionKey } from '../../src/config/role-session-key.js';

const STS_SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

const workload: Workload = {
  id: '0123456789abcdef',
  name: 'web-1',
  source: 'docker',
  env: { TEAM: 'payments', BOTH: 'from-env', SHORT: 'x' },
  labels: { 'com.example.owner': 'alice smith', BOTH: 'from-label' },
};

describe('parseRoleSessionKey', () => {
  it('reads Env: and Labels: prefixes, case-insensitively', () => {
    assert.deepEqual(parseRoleSessionKey('Env:TEAM'), { from: 'env', name: 'TEAM' });
    assert.deepEqual(parseRoleSessionKey('env:TEAM'), { from: 'env', name: 'TEAM' });
    assert.deepEqual(parseRoleSessionKey('Labels:com.example.owner'), { from: 'labels', name: 'com.example.owner' });
    assert.deepEqual(parseRoleSessionKey('LABEL:owner'), { from: 'labels', name: 'owner' });
  });

  it('reads a bare name as a label, then an environment variable', () => {
    assert.deepEqual(parseRoleSessionKey('TEAM'), { from: 'labels-then-env', name: 'TEAM' });
  });

  it('refuses a key naming nothing', () => {
    assert.throws(() => parseRoleSessionKey('Env:'), /ROLE_SESSION_KEY "Env:" names no variable or label/);
    assert.throws(() => parseRoleSessionKey('  '), /ROLE_SESSION_KEY/);
  });
});

describe('sanitizeSessionName', () => {
  it('keeps what STS allows', () => {
    assert.equal(sanitizeSessionName('a_B9+=,.@-z'), 'a_B9+=,.@-z');
  });

  it('replaces other characters with _ and cuts at 64', () => {
    assert.equal(sanitizeSessionName('alice smith/ü:1'), 'alice_smith___1');
    assert.equal(sanitizeSessionName('x'.repeat(100)), 'x'.repeat(64));
  });

  it('refuses what would be shorter than 2 characters', () => {
    assert.equal(sanitizeSessionName(''), undefined);
    assert.equal(sanitizeSessionName('a'), undefined);
    assert.equal(sanitizeSessionName('  a  '), undefined);
    assert.equal(sanitizeSessionName('ab'), 'ab');
  });

  it('always yields a valid STS session name or nothing, whatever the input', () => {
    for (const raw of ['', ' ', '日本語テキスト', 'a'.repeat(300), '\u0000\u0001', 'a b', '🙂🙂', 'x\ny', '..']) {
      const name = sanitizeSessionName(raw);
      assert.ok(name === undefined || STS_SESSION_NAME.test(name), `${JSON.stringify(raw)} → ${name}`);
    }
  });
});

describe('sessionNameFor', () => {
  it('prefers the binding\'s explicit session name', () => {
    assert.equal(sessionNameFor(workload, { spec: 'web', sessionName: 'pinned name' }, parseRoleSessionKey('Env:TEAM')), 'pinned_name');
  });

  it('reads the environment or a label as ROLE_SESSION_KEY says', () => {
    assert.equal(sessionNameFor(workload, { spec: 'web' }, parseRoleSessionKey('Env:TEAM')), 'payments');
    assert.equal(sessionNameFor(workload, { spec: 'web' }, parseRoleSessionKey('Labels:com.example.owner')), 'alice_smith');
    assert.equal(sessionNameFor(workload, { spec: 'web' }, parseRoleSessionKey('Env:BOTH')), 'from-env');
    assert.equal(sessionNameFor(workload, { spec: 'web' }, parseRoleSessionKey('Labels:BOTH')), 'from-label');
  });

  it('reads a bare key from labels first, then the environment', () => {
    assert.equal(sessionNameFor(workload, { spec: 'web' }, parseRoleSessionKey('BOTH')), 'from-label');
    assert.equal(sessionNameFor(workload, { spec: 'web' }, parseRoleSessionKey('TEAM')), 'payments');
  });

  it('falls back to the default when the key is missing or its value too short', () => {
    assert.equal(sessionNameFor(workload, { spec: 'web' }, parseRoleSessionKey('Env:MISSING')), DEFAULT_SESSION_NAME);
    assert.equal(sessionNameFor(workload, { spec: 'web' }, parseRoleSessionKey('Env:SHORT')), DEFAULT_SESSION_NAME);
    assert.equal(sessionNameFor(workload, { spec: 'web', sessionName: '' }, undefined), DEFAULT_SESSION_NAME);
    assert.equal(sessionNameFor(undefined, undefined, parseRoleSessionKey('TEAM')), DEFAULT_SESSION_NAME);
  });

  it('sanitizes a configured fallback, and never answers an invalid name', () => {
    assert.equal(sessionNameFor(workload, { spec: 'web' }, undefined, 'my proxy'), 'my_proxy');
    assert.equal(sessionNameFor(workload, { spec: 'web' }, undefined, '!'), DEFAULT_SESSION_NAME);
    assert.match(DEFAULT_SESSION_NAME, STS_SESSION_NAME);
  });
});
