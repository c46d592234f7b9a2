// TOKEN_KEY_FILE: a key shared by several proxy processes (a restart, a second instance behind the same
// DNAT rule) so a token minted by one is accepted by the others. The file's bytes are the key as they are,
// so both `head -c 32 /dev/urandom` and `openssl rand -hex 32` make a good one.
import { openSync, fstatSync, readSync, closeSync, constants } from 'node:fs';
import { SettingError } from '../core/errors.js';
import { MIN_TOKEN_KEY_BYTES } from './token-service.js';

/** More than any sensible key; stops a mistyped path to a large file from being read whole. */
const MAX_TOKEN_KEY_BYTES = 4096;

/** A start-up error whose message is the one line to print, naming the setting. */
export class TokenKeyError extends SettingError {
  readonly variable = 'TOKEN_KEY_FILE';
}

export function loadTokenKey(path: string): Buffer {
  const fail = (problem: string): never => {
    throw new TokenKeyError(`TOKEN_KEY_FILE: ${path} ${problem}`);
  };
  let fd: number;
  try {
    // Non-blocking, so a FIFO given by mistake cannot hang start-up.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return fail(`cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); expected a file of ${MIN_TOKEN_KEY_BYTES} to ${MAX_TOKEN_KEY_BYTES} random bytes`);
  }
  try {
    // Checked on the open descriptor, so the file cannot be swapped between the check and the read.
    const stat = fstatSync(fd);
    if (!stat.isFile()) fail('is not a regular file');
    if ((stat.mode & 0o077) !== 0) {
      fail(`is accessible by group or others (mode ${(stat.mode & 0o777).toString(8).padStart(4, '0')}); expected mode 0600 or 0400`);
    }
    if (stat.size < MIN_TOKEN_KEY_BYTES || stat.size > MAX_TOKEN_KEY_BYTES) {
      fail(`holds ${stat.size} bytes; expected ${MIN_TOKEN_KEY_BYTES} to ${MAX_TOKEN_KEY_BYTES} random bytes`);
    }
    const key = Buffer.alloc(stat.size);
    const read = readSync(fd, key, 0, stat.size, 0);
    if (read !== stat.size) fail('changed while being read');
    return key;
  } finally {
    closeSync(fd);
  }
}
