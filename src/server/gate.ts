// First stop of every request, before any routing: the request target is normalized (or refused), the
// method checked, IMDSv2 token PUTs answered, tokens on reads verified, denied and not-allowed paths
// answered 404, and whatever would go upstream held to upstream/upstream-path.ts (400/404). What passes is a normalized path that routing and the upstream share.
import type { IncomingHttpHeaders } from 'node:http';
import { imdsErrorPage } from '../imds/answers.js';
import { routeOf, type Route } from './routes.js';
import { DEFAULT_MAX_TARGET_LENGTH, normalizeTarget } from './normalize.js';
import { compilePathPatterns } from '../config/path-patterns.js';
import { upstreamRefusal } from '../upstream/upstream-path.js';
import type { TokenService } from '../tokens/token-service.js';
import { MAX_TOKEN_TTL_SECONDS, MIN_TOKEN_TTL_SECONDS, TOKEN_HEADER, TOKEN_PATH, TOKEN_TTL_HEADER } from '../imds/token-protocol.js';

export type GateResult =
  | { kind: 'pass'; path: string; query: string; route: Route }
  | { kind: 'reply'; status: number; body: string | Buffer; headers?: Record<string, string> };

export interface RequestGate {
  check(method: string, rawUrl: string, headers: IncomingHttpHeaders, callerIp: string): GateResult;
}

export interface GateOptions {
  /** `required`: every read needs a valid token (401 without), as on an EC2 host with HttpTokens=required. */
  httpTokens: 'optional' | 'required';
  tokens: TokenService;
  /** Patterns (see path-patterns.ts) answered 404 whoever asks. */
  denyPaths?: readonly string[];
  /** When not empty, only matching paths are served, besides the IAM routes and the token endpoint. */
  allowPaths?: readonly string[];
  /** Longest request target accepted (414 beyond). */
  maxTargetLength?: number;
}


function errorReply(status: number, extraHeaders: Record<string, string> = {}): GateResult {
  return { kind: 'reply', status, body: imdsErrorPage(status), headers: { 'content-type': 'text/html', ...extraHeaders } };
}

// Built once: the hot path hands out the same objects.
const BAD_REQUEST = errorReply(400);
const UNAUTHORIZED = errorReply(401);
const FORBIDDEN = errorReply(403);
const NOT_FOUND = errorReply(404);
const URI_TOO_LONG = errorReply(414);
const PUT_ONLY = errorReply(405, { allow: 'PUT' });
const READ_ONLY = errorReply(405, { allow: 'GET, HEAD' });

/** `/{version}/api/token`, the token endpoint under any version (only `latest` mints). */
const ANY_TOKEN_PATH = /^\/[^/]+\/api\/token\/?$/;
const TTL_DIGITS = /^\d{1,5}$/;

export function createRequestGate(options: GateOptions): RequestGate {
  const { httpTokens, tokens } = options;
  const maxTargetLength = options.maxTargetLength ?? DEFAULT_MAX_TARGET_LENGTH;
  const isDenied = compilePathPatterns(options.denyPaths ?? []);
  const hasAllowList = (options.allowPaths ?? []).length > 0;
  const isAllowed = compilePathPatterns(options.allowPaths ?? []);

  function answerTokenPut(path: string, headers: IncomingHttpHeaders, callerIp: string): GateResult {
    // Only the unversioned endpoint mints; a PUT that went through a forwarding proxy is refused (IMDS does both).
    if (path !== TOKEN_PATH || headers['x-forwarded-for'] !== undefined) return FORBIDDEN;
    const ttlText = headers[TOKEN_TTL_HEADER];
    if (typeof ttlText !== 'string' || !TTL_DIGITS.test(ttlText)) return BAD_REQUEST;
    const ttl = Number(ttlText);
    if (ttl < MIN_TOKEN_TTL_SECONDS || ttl > MAX_TOKEN_TTL_SECONDS) return BAD_REQUEST;
    return {
      kind: 'reply',
      status: 200,
      body: tokens.mint(callerIp, ttl),
      headers: { 'content-type': 'text/plain', [TOKEN_TTL_HEADER]: String(ttl) },
    };
  }

  return {
    check(method, rawUrl, headers, callerIp) {
      const target = normalizeTarget(rawUrl, maxTargetLength);
      if (!target.ok) return target.status === 414 ? URI_TOO_LONG : BAD_REQUEST;
      const { path } = target;
      const tokenPath = ANY_TOKEN_PATH.test(path);

      if (method === 'PUT') return tokenPath ? answerTokenPut(path, headers, callerIp) : READ_ONLY;
      if (method !== 'GET' && method !== 'HEAD') return tokenPath ? PUT_ONLY : READ_ONLY;
      if (tokenPath) return PUT_ONLY;

      const token = headers[TOKEN_HEADER];
      if (token !== undefined) {
        // A token that is presented must be good, in either mode: IMDS answers 401 to a bad one.
        if (typeof token !== 'string' || tokens.verify(token, callerIp) !== 'valid') return UNAUTHORIZED;
      } else if (httpTokens === 'required') {
        return UNAUTHORIZED;
      }

      if (isDenied(path)) return NOT_FOUND;
      const route = routeOf(path);
      // Anything but our IAM answers is held to the upstream rule, so refusals read the same whichever routed them.
      if (route.kind === 'passthrough' || route.kind === 'not-found') {
        const refusal = upstreamRefusal(path, target.query);
        if (refusal !== undefined) return refusal === 404 ? NOT_FOUND : BAD_REQUEST;
        if (route.kind === 'passthrough' && hasAllowList && !isAllowed(path)) return NOT_FOUND;
      }
      return { kind: 'pass', path, query: target.query, route };
    },
  };
}
