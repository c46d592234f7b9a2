import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { createTokenService } from '../../src/tokens/token-service.js';
import { MAX_TOKEN_TTL_SECONDS } from '../../src/imds/token-protocol.js';

function fakeClock(start = Date.UTC(2026, 0, 1)) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const KEY = Buffer.alloc(32, 7);

test('a minted token verifies for its caller until it expires', () => {
  const clock = fakeClock();
  const tokens = createTokenService({ key: KEY, clock });
  const token = tokens.mint('127.0.0.2', 60);
  assert.match(token, /^[A-Za-z0-9_-]{52}$/);
  assert.equal(tokens.verify(token, '127.0.0.2'), 'valid');
  clock.advance(59_999);
  assert.equal(tokens.verify(token, '127.0.0.2'), 'valid');
  clock.advance(1);
  assert.equal(tokens.verify(token, '127.0.0.2'), 'expired');
});

test('expiry is reported by a fresh service too (no memo involved)', () => {
  const clock = fakeClock();
  const token = createTokenService({ key: KEY, clock }).mint('127.0.0.2', 1);
  clock.advance(1000);
  assert.equal(createTokenService({ key: KEY, clock }).verify(token, '127.0.0.2'), 'expired');
});

test('a token from another caller address is refused, even right after its own caller used it', () => {
  const tokens = createTokenService({ key: KEY, clock: fakeClock() });
  const token = tokens.mint('127.0.0.2', 600);
  assert.equal(tokens.verify(token, '127.0.0.2'), 'valid');
  assert.equal(tokens.verify(token, '127.0.0.3'), 'wrong-caller');
  assert.equal(tokens.verify(token, '10.0.0.2'), 'wrong-caller');
  assert.equal(tokens.verify(token, '::1'), 'wrong-caller');
});

test('IPv4-mapped IPv6 addresses are the same caller as their IPv4 form', () => {
  const tokens = createTokenService({ key: KEY, clock: fakeClock() });
  assert.equal(tokens.verify(tokens.mint('::ffff:127.0.0.2', 60), '127.0.0.2'), 'valid');
  assert.equal(tokens.verify(tokens.mint('127.0.0.2', 60), '::ffff:127.0.0.2'), 'valid');
});

test('every altered character makes the token invalid', () => {
  const tokens = createTokenService({ key: KEY, clock: fakeClock() });
  const token = tokens.mint('127.0.0.2', 600);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  for (let i = 0; i < token.length; i++) {
    const replacement = alphabet[(alphabet.indexOf(token[i]!) + 1) % 64]!;
    const altered = token.slice(0, i) + replacement + token.slice(i + 1);
    assert.notEqual(tokens.verify(altered, '127.0.0.2'), 'valid', `position ${i}`);
  }
});

test('a longer expiry written into a token does not verify', () => {
  const tokens = createTokenService({ key: KEY, clock: fakeClock() });
  const bytes = Buffer.from(tokens.mint('127.0.0.2', 1), 'base64url');
  bytes.writeUIntBE(bytes.readUIntBE(1, 6) + 3_600_000, 1, 6);
  assert.equal(tokens.verify(bytes.toString('base64url'), '127.0.0.2'), 'wrong-caller');
});

test('a token made with another key is refused', () => {
  const clock = fakeClock();
  const other = createTokenService({ key: Buffer.alloc(32, 8), clock }).mint('127.0.0.2', 60);
  assert.equal(createTokenService({ key: KEY, clock }).verify(other, '127.0.0.2'), 'wrong-caller');
});

test('malformed tokens', () => {
  const tokens = createTokenService({ key: KEY, clock: fakeClock() });
  const good = tokens.mint('127.0.0.2', 60);
  const versionTwo = Buffer.from(good, 'base64url');
  versionTwo[0] = 2;
  for (const bad of [
    '',
    'x',
    good.slice(0, -1),
    good + 'A',
    good.slice(0, -2) + '==',
    good.replace(/^./, '+'),
    good.replace(/^./, '/'),
    ' '.repeat(52),
    '\u00e9'.repeat(52),
    'A'.repeat(10_000),
    versionTwo.toString('base64url'),
  ]) {
    assert.equal(tokens.verify(bad, '127.0.0.2'), 'malformed', JSON.stringify(bad.slice(0, 60)));
  }
});

test('TTL outside 1..21600 or not an integer cannot be minted', () => {
  const tokens = createTokenService({ key: KEY });
  for (const ttl of [0, -1, 1.5, MAX_TOKEN_TTL_SECONDS + 1, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => tokens.mint('127.0.0.2', ttl), RangeError, String(ttl));
  }
  assert.doesNotThrow(() => tokens.mint('127.0.0.2', MAX_TOKEN_TTL_SECONDS));
});

test('keys shorter than 32 bytes are refused; without a key each service has its own', () => {
  assert.throws(() => createTokenService({ key: Buffer.alloc(31) }), /at least 32 bytes/);
  const token = createTokenService().mint('127.0.0.2', 60);
  assert.equal(createTokenService().verify(token, '127.0.0.2'), 'wrong-caller');
});

test('two services sharing a key accept each other\'s tokens', () => {
  const clock = fakeClock();
  const a = createTokenService({ key: KEY, clock });
  const b = createTokenService({ key: Buffer.from(KEY), clock });
  assert.equal(b.verify(a.mint('127.0.0.2', 60), '127.0.0.2'), 'valid');
  assert.equal(a.verify(b.mint('127.0.0.3', 60), '127.0.0.3'), 'valid');
  assert.equal(a.verify(b.mint('127.0.0.3', 60), '127.0.0.2'), 'wrong-caller');
});

test('the MAC is compared with crypto.timingSafeEqual', () => {
  const spy = mock.method(crypto, 'timingSafeEqual');
  syncBuiltinESMExports();
  try {
    const tokens = createTokenService({ key: KEY, clock: fakeClock() });
    const token = tokens.mint('127.0.0.2', 60);
    assert.equal(tokens.verify(token, '127.0.0.3'), 'wrong-caller');
    assert.equal(tokens.verify(token, '127.0.0.2'), 'valid');
    assert.equal(spy.mock.callCount(), 2);
  } finally {
    spy.mock.restore();
    syncBuiltinESMExports();
  }
});

test('a caller presenting a second token is checked in full again', () => {
  const clock = fakeClock();
  const tokens = createTokenService({ key: KEY, clock });
  const first = tokens.mint('127.0.0.2', 600);
  const stolen = tokens.mint('127.0.0.3', 600);
  assert.equal(tokens.verify(first, '127.0.0.2'), 'valid');
  assert.equal(tokens.verify(stolen, '127.0.0.2'), 'wrong-caller');
  assert.equal(tokens.verify(first, '127.0.0.2'), 'valid');
  clock.advance(600_000);
  assert.equal(tokens.verify(first, '127.0.0.2'), 'expired');
});
