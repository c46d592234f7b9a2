import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, chmodSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { loadTokenKey, TokenKeyError } from '../../src/tokens/token-key.js';
import { createTokenService } from '../../src/tokens/token-service.js';

const dir = mkdtempSync(join(tmpdir(), 'token-key-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function keyFile(name: string, content: Buffer | string, mode = 0o600): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  chmodSync(path, mode);
  return path;
}

test('a private file of random bytes is the key, byte for byte', () => {
  const bytes = Buffer.from(Array.from({ length: 32 }, (_, i) => i * 7));
  assert.deepEqual(loadTokenKey(keyFile('raw', bytes)), bytes);
  const hex = 'ab'.repeat(32) + '\n';
  assert.deepEqual(loadTokenKey(keyFile('hex', hex, 0o400)), Buffer.from(hex));
});

test('two services loading the same key file accept each other\'s tokens', () => {
  const path = keyFile('shared', Buffer.alloc(48, 3));
  const first = createTokenService({ key: loadTokenKey(path) });
  const second = createTokenService({ key: loadTokenKey(path) });
  assert.equal(second.verify(first.mint('127.0.0.2', 60), '127.0.0.2'), 'valid');
  assert.equal(second.verify(first.mint('127.0.0.2', 60), '127.0.0.3'), 'wrong-caller');
});

function expectProblem(path: string, problem: RegExp): void {
  assert.throws(
    () => loadTokenKey(path),
    (error: unknown) => {
      assert.ok(error instanceof TokenKeyError);
      assert.equal(error.variable, 'TOKEN_KEY_FILE');
      assert.match(error.message, /^TOKEN_KEY_FILE: /);
      assert.doesNotMatch(error.message, /\n/);
      assert.match(error.message, problem);
      return true;
    },
  );
}

test('unusable key files are refused with one line naming TOKEN_KEY_FILE', () => {
  expectProblem(join(dir, 'missing'), /cannot be read \(ENOENT\)/);
  expectProblem(keyFile('short', Buffer.alloc(31, 1)), /holds 31 bytes; expected 32 to 4096/);
  expectProblem(keyFile('empty', ''), /holds 0 bytes/);
  expectProblem(keyFile('huge', Buffer.alloc(5000, 1)), /holds 5000 bytes/);
  expectProblem(keyFile('group-readable', Buffer.alloc(32, 1), 0o640), /mode 0640.*expected mode 0600 or 0400/);
  expectProblem(keyFile('world-readable', Buffer.alloc(32, 1), 0o604), /mode 0604/);
  const sub = join(dir, 'a-directory');
  mkdirSync(sub, { mode: 0o700 });
  expectProblem(sub, /is not a regular file/);
});

test('a FIFO given by mistake does not hang start-up', () => {
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', ['-m', '600', fifo]);
  expectProblem(fifo, /is not a regular file/);
});
