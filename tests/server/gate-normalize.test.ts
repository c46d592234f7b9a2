import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeTarget } from '../../src/server/normalize.js';

const resolved: Array<[raw: string, path: string, query?: string]> = [
  ['/', '/'],
  ['/latest/meta-data/', '/latest/meta-data/'],
  ['/latest/meta-data/iam/security-credentials/app', '/latest/meta-data/iam/security-credentials/app'],
  // repeated slashes
  ['//latest//meta-data///iam/', '/latest/meta-data/iam/'],
  ['/latest/meta-data//', '/latest/meta-data/'],
  // dot segments, literal and encoded, never above the root
  ['/latest/meta-data/./iam/../iam/info', '/latest/meta-data/iam/info'],
  ['/latest/meta-data/%2e%2e/%2E%2E/../user-data', '/user-data'],
  ['/latest/meta-data/.%2e/meta-data/iam/info', '/latest/meta-data/iam/info'],
  ['/..', '/'],
  ['/../../..//latest', '/latest'],
  ['/a/.', '/a/'],
  ['/a/b/..', '/a/'],
  ['/a/...', '/a/...'],
  // decoding once, then canonical encoding
  ['/latest/meta-data/%69am/info', '/latest/meta-data/iam/info'],
  ['/latest/meta-data/tags/instance/My%20Tag', '/latest/meta-data/tags/instance/My%20Tag'],
  ['/latest/meta-data/tags/instance/%C3%A9t%C3%A9', '/latest/meta-data/tags/instance/%C3%A9t%C3%A9'],
  ['/x/%F0%9F%98%80', '/x/%F0%9F%98%80'],
  ['/x/%22y%3c', '/x/%22y%3C'],
  ['/x/"y', '/x/%22y'],
  ['/x/a:b@c', '/x/a:b@c'],
  ['/x/%41', '/x/A'],
  // the query is kept apart, verbatim
  ['/latest/meta-data/?a=1&b=%2f', '/latest/meta-data/', 'a=1&b=%2f'],
  ['/latest/meta-data?', '/latest/meta-data', ''],
  ['/x?/../iam', '/x', '/../iam'],
  // absolute form: the host is ignored
  ['http://169.254.169.254/latest/meta-data/', '/latest/meta-data/'],
  ['HTTP://evil.example:80/latest/../latest/user-data?x', '/latest/user-data', 'x'],
  ['http://host', '/'],
  ['http://host?x=1', '/', 'x=1'],
];

test('targets resolve to one canonical path', () => {
  for (const [raw, path, query = ''] of resolved) {
    assert.deepEqual(normalizeTarget(raw), { ok: true, path, query }, raw);
  }
});

const refused: string[] = [
  // encoded separators and double encoding
  '/latest/meta-data/iam%2fsecurity-credentials/',
  '/latest/meta-data%2F..%2F..%2Fuser-data',
  '/latest/meta-data/%252e%252e/x',
  '/a%252fb',
  '/a%25',
  // backslashes, literal and encoded
  '/latest\\meta-data',
  '/latest/meta-data/%5c..%5ciam',
  // control characters, encoded (raw ones never get past the HTTP parser, but are refused too)
  '/a%00',
  '/a%0d%0aX-Injected:%201',
  '/a%7f',
  '/a\u0000b',
  '/a\tb',
  // malformed escapes and bytes that are not UTF-8
  '/a%',
  '/a%zz',
  '/a%e9',
  '/a%ff',
  '/a%ED%A0%80',
  // raw characters outside visible ASCII, fragments
  '/a b',
  '/\u00e9t\u00e9',
  '/a#b',
  // not a path at all
  '',
  '*',
  'latest/meta-data',
  'ftp://host/latest',
  'http:/latest',
];

test('targets that cannot be read one way only are refused with 400', () => {
  for (const raw of refused) {
    assert.deepEqual(normalizeTarget(raw), { ok: false, status: 400 }, JSON.stringify(raw));
  }
});

test('overlong targets get 414, counted with the query', () => {
  assert.deepEqual(normalizeTarget('/' + 'a'.repeat(1023)), { ok: true, path: '/' + 'a'.repeat(1023), query: '' });
  assert.deepEqual(normalizeTarget('/' + 'a'.repeat(1024)), { ok: false, status: 414 });
  assert.deepEqual(normalizeTarget('/a?' + 'q'.repeat(1022)), { ok: false, status: 414 });
  assert.deepEqual(normalizeTarget('/' + 'a'.repeat(99), 100), { ok: true, path: '/' + 'a'.repeat(99), query: '' });
  assert.deepEqual(normalizeTarget('/' + 'a'.repeat(100), 100), { ok: false, status: 414 });
});

test('normalizing a normalized path changes nothing', () => {
  for (const [raw] of resolved) {
    const once = normalizeTarget(raw);
    assert.ok(once.ok);
    assert.deepEqual(normalizeTarget(once.path), { ok: true, path: once.path, query: '' }, raw);
  }
});
