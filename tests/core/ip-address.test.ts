import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callerAddress, normalizeIp } from '../../src/core/ip-address.js';

test('a socket address and the same address as written by people or Docker come out alike', () => {
  for (const [written, socket] of [
    ['10.0.0.9', '::ffff:10.0.0.9'],
    ['::ffff:10.0.0.9', '10.0.0.9'],
    ['2001:DB8:0:0::0:1', '2001:db8::1'],
    ['::FFFF:0A00:0009', '::ffff:10.0.0.9'],
  ] as const) {
    assert.equal(callerAddress(socket), normalizeIp(written), `${written} vs ${socket}`);
  }
});

test('no socket address is the empty caller; text that is no address stays as it is for callers, undefined for sources', () => {
  assert.equal(callerAddress(undefined), '');
  assert.equal(callerAddress('fe80::1%eth0'), 'fe80::1%eth0');
  assert.equal(normalizeIp('fe80::1%eth0'), undefined);
  assert.equal(normalizeIp('10.0.0.256'), undefined);
});
