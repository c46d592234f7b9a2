// Passthrough to the real IMDS: method, path, query, status, headers and body kept, redirects not followed,
// bodies streamed, one keep-alive pool, the proxy's own IMDSv2 token attached. Upstream failures become
// 502 (unreachable) or 504 (too slow); nothing the upstream or a departing client does can crash the proxy.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { Pool, type Dispatcher } from 'undici';
import { systemClock, type Clock } from '../core/clock.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { MetadataBackend } from './backend.js';
import { reply, replyBadRequest, replyNotFound } from './answers.js';
import { upstreamRefusal } from './upstream-path.js';
import { createUpstreamTokens, type TokenFetchResult, type UpstreamTokenOptions } from './upstream-token.js';
import { TOKEN_HEADER, TOKEN_PATH, TOKEN_TTL_HEADER } from '../imds/token-protocol.js';

export interface PassthroughOptions {
  /** Upstream IMDS, e.g. `http://169.254.169.254`; a path prefix is kept. */
  metadataUrl: string;
  logger: Logger;
  metrics: Metrics;
  /** Limit for connecting, for the response headers, and for each pause between body chunks. */
  timeoutMs?: number;
  /** Most connections open to the upstream at once; requests beyond them wait in the pool's queue. */
  maxConnections?: number;
  /** Drives the upstream token's refresh and retry schedule. */
  clock?: Clock;
  /** Tuning of the upstream token (lifetime, margins, retry delays); defaults suit a real IMDS. */
  token?: Omit<UpstreamTokenOptions, 'fetchToken' | 'clock' | 'logger'>;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);
// The caller's token belongs to us, not to the upstream; X-Forwarded-For makes IMDS refuse token requests.
const NEVER_FORWARDED = new Set(['host', 'expect', 'content-length', TOKEN_HEADER, TOKEN_TTL_HEADER, 'x-forwarded-for', 'forwarded']);
/** IMDS answers these to a token PUT when the instance has tokens disabled or the service predates them. */
const TOKENS_UNSUPPORTED = new Set([403, 404, 405]);
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
/** A kept-alive connection the upstream had already closed: worth one more try for a request without a body. */
const STALE_CONNECTION_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);
const MAX_TOKEN_LENGTH = 4096;

function errorCode(error: unknown): string {
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  return typeof code === 'string' ? code : String(name);
}

export function statusForUpstreamError(error: unknown): 502 | 504 {
  return TIMEOUT_CODES.has(errorCode(error)) ? 504 : 502;
}

/** Header names listed in a Connection header are hop-by-hop too. */
function connectionListed(value: string | string[] | undefined): Set<string> {
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  return new Set(text.split(',').map((name) => name.trim().toLowerCase()).filter(Boolean));
}

function forwardedHeaders(headers: IncomingHttpHeaders, withBody: boolean): Record<string, string | string[]> {
  const listed = connectionListed(headers.connection);
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || NEVER_FORWARDED.has(name) || listed.has(name)) continue;
    out[name] = value;
  }
  if (withBody && headers['content-length'] !== undefined) out['content-length'] = headers['content-length'];
  return out;
}

function returnedHeaders(headers: Dispatcher.ResponseData['headers']): Record<string, string | string[]> {
  const listed = connectionListed(headers.connection);
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name) && !listed.has(name)) out[name] = value;
  }
  return out;
}

function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

export function createPassthrough(options: PassthroughOptions): MetadataBackend {
  const { logger, metrics } = options;
  const timeoutMs = options.timeoutMs ?? 2000;
  const base = new URL(options.metadataUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  const pool = new Pool(base.origin, {
    connections: options.maxConnections ?? 64,
    connect: { timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });

  /** One upstream exchange, measured: every request to the upstream goes through here. */
  async function send(
    method: string,
    path: string,
    headers: Record<string, string | string[]>,
    body: IncomingMessage | null,
    signal?: AbortSignal,
  ): Promise<Dispatcher.ResponseData> {
    const started = performance.now();
    try {
      const answer = await pool.request({ method: method as Dispatcher.HttpMethod, path: prefix + path, headers, body, signal });
      metrics.upstream(answer.statusCode, (performance.now() - started) / 1000);
      return answer;
    } catch (error) {
      if (!signal?.aborted) metrics.upstream(statusForUpstreamError(error), (performance.now() - started) / 1000);
      throw error;
    }
  }

  async function fetchToken(ttlSeconds: number): Promise<TokenFetchResult> {
    const answer = await send('PUT', TOKEN_PATH, { [TOKEN_TTL_HEADER]: String(ttlSeconds) }, null);
    if (answer.statusCode !== 200) {
      await answer.body.dump();
      const reason = TOKENS_UNSUPPORTED.has(answer.statusCode) ? 'unsupported' : 'failed';
      return { kind: 'refused', reason: `${reason} (status ${answer.statusCode})` };
    }
    const token = (await answer.body.text()).trim();
    if (token === '' || token.length > MAX_TOKEN_LENGTH || /[^\x21-\x7e]/.test(token)) {
      return { kind: 'refused', reason: 'malformed token' };
    }
    const echoed = Number(answer.headers[TOKEN_TTL_HEADER]);
    return { kind: 'token', token, ttlSeconds: Number.isInteger(echoed) && echoed > 0 ? Math.min(echoed, ttlSeconds) : ttlSeconds };
  }

  const tokens = createUpstreamTokens({ ...options.token, fetchToken, clock: options.clock ?? systemClock, logger });

  /** Sends the request; a request without a body is retried once after a 401 (new token) or a stale connection. */
  async function exchange(req: IncomingMessage, path: string, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
    const method = req.method ?? 'GET';
    const withBody = hasBody(req) && method !== 'GET' && method !== 'HEAD';
    const headers = forwardedHeaders(req.headers, withBody);
    for (let attempt = 1; ; attempt++) {
      const token = await tokens.current();
      const sent = token === undefined ? headers : { ...headers, [TOKEN_HEADER]: token };
      const retryable = attempt === 1 && !withBody;
      let answer: Dispatcher.ResponseData;
      try {
        answer = await send(method, path, sent, withBody ? req : null, signal);
      } catch (error) {
        if (retryable && !signal.aborted && STALE_CONNECTION_CODES.has(errorCode(error))) continue;
        throw error;
      }
      if (answer.statusCode !== 401 || !retryable) return answer;
      tokens.rejected(token);
      await answer.body.dump();
    }
  }

  return {
    async handle(req, res, path, query) {
      // The gate holds passthrough to this rule already; this is the last line before the host's token is attached.
      const refusal = upstreamRefusal(path, query);
      if (refusal === 404) return replyNotFound(req, res);
      if (refusal === 400) return replyBadRequest(req, res);
      const clientGone = new AbortController();
      const onClose = (): void => {
        if (!res.writableFinished) clientGone.abort();
      };
      res.once('close', onClose);
      try {
        const answer = await exchange(req, query === '' ? path : `${path}?${query}`, clientGone.signal);
        res.writeHead(answer.statusCode, returnedHeaders(answer.headers));
        await pipeline(answer.body, res);
      } catch (error) {
        if (clientGone.signal.aborted) return; // nobody left to answer
        const status = statusForUpstreamError(error);
        logger.warn({ path, status, reason: errorCode(error) }, 'upstream IMDS request failed');
        if (res.headersSent) res.destroy();
        else reply(req, res, status, '');
      } finally {
        res.off('close', onClose);
      }
    },
    async close() {
      await pool.destroy();
    },
  };
}
