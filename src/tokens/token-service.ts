// IMDSv2 session tokens that are ours: an HMAC over (expiry, caller address), so a token proves who it
// was minted for and until when without any stored session. A token copied to another container (another
// address) is worthless there, whatever role that container has.
//
// Wire form: base64url of [version:1][expiry ms:6][HMAC-SHA256:32] = 39 bytes = 52 characters, close to the
// 56-character tokens EC2 hands out, and with no padding so every valid token has exactly one spelling.
import { createHmac, createSecretKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { callerAddress } from '../core/ip-address.js';
import { MAX_TOKEN_TTL_SECONDS, MIN_TOKEN_TTL_SECONDS } from '../imds/token-protocol.js';

export type TokenVerdict = 'valid' | 'expired' | 'malformed' | 'wrong-caller';

export interface TokenService {
  /** A token for `callerIp`, valid for `ttlSeconds` from now. */
  mint(callerIp: string, ttlSeconds: number): string;
  /**
   * `wrong-caller`: well formed but the MAC does not match this caller — minted for another address, with
   * another key, or altered. `expired` is only ever said of a token whose MAC matched.
   */
  verify(token: string, callerIp: string): TokenVerdict;
}

export interface TokenServiceOptions {
  /** HMAC key, at least 32 bytes; a fresh random key when left out (tokens then die with the process). */
  key?: Buffer;
  clock?: { now(): number };
}

export const MIN_TOKEN_KEY_BYTES = 32;

const VERSION = 1;
const HEADER_BYTES = 7;
const TOKEN_BYTES = HEADER_BYTES + 32;
const TOKEN_TEXT = /^[A-Za-z0-9_-]{52}$/;
/** Bound on the per-caller memo below; far above the containers one host runs. */
const MEMO_LIMIT = 4096;

export function createTokenService(options: TokenServiceOptions = {}): TokenService {
  const key = options.key ?? randomBytes(MIN_TOKEN_KEY_BYTES);
  if (key.length < MIN_TOKEN_KEY_BYTES) throw new Error(`token key must be at least ${MIN_TOKEN_KEY_BYTES} bytes`);
  const hmacKey: KeyObject = createSecretKey(key);
  const clock = options.clock ?? Date;
  // Clients send the same token on every request for hours. Remembering each caller's last verified token
  // turns the repeat checks into one string comparison instead of an HMAC. Comparing against a token this
  // same address already presented leaks nothing to anyone else, and a miss falls back to the full check.
  const lastVerified = new Map<string, { token: string; expiresAt: number }>();

  function mac(header: Buffer, caller: string): Buffer {
    return createHmac('sha256', hmacKey).update(header).update(caller).digest();
  }

  return {
    mint(callerIp, ttlSeconds) {
      if (!Number.isInteger(ttlSeconds) || ttlSeconds < MIN_TOKEN_TTL_SECONDS || ttlSeconds > MAX_TOKEN_TTL_SECONDS) {
        throw new RangeError(`token TTL must be an integer from ${MIN_TOKEN_TTL_SECONDS} to ${MAX_TOKEN_TTL_SECONDS}`);
      }
      const token = Buffer.allocUnsafe(TOKEN_BYTES);
      token.writeUInt8(VERSION, 0);
      token.writeUIntBE(clock.now() + ttlSeconds * 1000, 1, 6);
      mac(token.subarray(0, HEADER_BYTES), callerAddress(callerIp)).copy(token, HEADER_BYTES);
      return token.toString('base64url');
    },

    verify(token, callerIp) {
      const caller = callerAddress(callerIp);
      const now = clock.now();
      const known = lastVerified.get(caller);
      if (known !== undefined && known.token === token) return now < known.expiresAt ? 'valid' : 'expired';

      if (!TOKEN_TEXT.test(token)) return 'malformed';
      const bytes = Buffer.from(token, 'base64url');
      if (bytes[0] !== VERSION) return 'malformed';
      const header = bytes.subarray(0, HEADER_BYTES);
      if (!timingSafeEqual(mac(header, caller), bytes.subarray(HEADER_BYTES))) return 'wrong-caller';
      const expiresAt = bytes.readUIntBE(1, 6);
      if (now >= expiresAt) return 'expired';
      if (lastVerified.size >= MEMO_LIMIT) lastVerified.clear();
      lastVerified.set(caller, { token, expiresAt });
      return 'valid';
    },
  };
}
