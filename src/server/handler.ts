// The one place where a request becomes an answer: gate → route → caller → role → credentials.
// Warm credential requests run synchronously end to end: no promise, no I/O, a pre-serialized body.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../observability/logger.js';
import type { Metrics, RequestHandlerName } from '../observability/metrics.js';
import type { Workload } from '../identity/workload.js';
import type { RequestLog } from '../observability/request-log.js';
import type { MetadataBackend } from '../upstream/backend.js';
import type { RequestGate } from './gate.js';
import { imdsErrorPage, NOT_FOUND_PAGE } from '../imds/answers.js';
import { failureStatus } from '../imds/failure-status.js';
import type { Route } from './routes.js';
import type { Callers, CallerRole } from '../callers/caller.js';
import { beginExchange, recordExchange, type Exchange } from './exchange.js';
import { readingStopped, stopReading } from '../imds/node-http.js';

export interface HandlerOptions {
  gate: RequestGate;
  callers: Callers;
  backend: MetadataBackend;
  metrics: Metrics;
  logger: Logger;
  /** Called once per request when the request log is on; left undefined, it costs nothing. */
  requestLog?: RequestLog;
  nextRequestId: () => string;
  /** `deny`: callers no identity source knows get 404 on every route, not only the IAM ones. */
  unknownCaller: 'passthrough' | 'deny';
}

/** Header names and values, flat, as `writeHead` takes them. */
const TEXT_HEADERS: readonly string[] = ['content-type', 'text/plain'];
const IAM_LISTING_BODY = Buffer.from('info\nsecurity-credentials/');
const HTML_HEADERS: readonly string[] = ['content-type', 'text/html'];

export function createRequestHandler(options: HandlerOptions) {
  const { gate, callers, backend, metrics, logger, requestLog, nextRequestId, unknownCaller } = options;

  function finish(x: Exchange, status: number, body: Buffer | string, headers: readonly string[] = TEXT_HEADERS): void {
    const { req, res } = x;
    if (!res.headersSent) {
      // One flat header list: no per-header setHeader calls, and a Content-Length (as IMDS sends) instead of chunking.
      const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
      const raw: string[] = ['content-length', String(length), 'x-request-id', x.requestId];
      for (let i = 0; i < headers.length; i++) raw.push(headers[i]!);
      res.writeHead(status, raw);
      res.end(req.method === 'HEAD' ? undefined : body);
    }
    record(x, status);
  }

  function record(x: Exchange, status: number): void {
    recordExchange(x, status, metrics, requestLog);
  }

  function fail(x: Exchange, error: unknown): void {
    const status = failureStatus(error);
    if (status === 500) logger.error({ err: error, requestId: x.requestId }, 'request failed');
    else logger.debug({ requestId: x.requestId, status, reason: (error as Error).message }, 'credentials unavailable');
    if (status === 404) {
      x.reason = `role spec error: ${(error as Error).message}`;
      finish(x, 404, NOT_FOUND_PAGE, HTML_HEADERS);
    } else finish(x, status, imdsErrorPage(status), HTML_HEADERS);
  }

  function answerIam(x: Exchange, route: Route, role: CallerRole | undefined): void {
    x.role = role;
    if (role === undefined) {
      x.reason = x.workload !== undefined ? 'no role' : `unknown caller after a hold of ${Math.round(x.heldMs ?? 0)} ms`;
      return finish(x, 404, NOT_FOUND_PAGE, HTML_HEADERS);
    }
    switch (route.kind) {
      case 'iam-listing':
        return finish(x, 200, IAM_LISTING_BODY);
      case 'iam-info':
        return finish(x, 200, role.infoBody);
      case 'credentials-list':
        return finish(x, 200, role.listingBody);
      case 'credentials': {
        if (route.role !== role.roleName) {
          x.reason = 'role mismatch';
          return finish(x, 404, NOT_FOUND_PAGE, HTML_HEADERS);
        }
        const served = callers.credentialsFor(role);
        if (!(served instanceof Promise)) return finish(x, 200, served.body);
        served.then((s) => finish(x, 200, s.body), (error) => fail(x, error));
        return;
      }
      default:
        return finish(x, 404, NOT_FOUND_PAGE, HTML_HEADERS);
    }
  }

  function answerForWorkload(x: Exchange, route: Route, workload: Workload | undefined): void {
    x.workload = workload;
    const role = callers.roleFor(workload, x.req.socket);
    if (role instanceof Promise) return void role.then((r) => answerIam(x, route, r), (error) => fail(x, error));
    answerIam(x, route, role);
  }

  function answerPassthrough(x: Exchange, path: string, query: string, workload: Workload | undefined): void {
    if (workload === undefined && unknownCaller === 'deny') {
      x.handler = 'denied';
      return finish(x, 404, NOT_FOUND_PAGE, HTML_HEADERS);
    }
    x.workload = workload;
    const { res } = x;
    res.setHeader('x-request-id', x.requestId);
    res.once('close', () => record(x, res.statusCode));
    backend.handle(x.req, res, path, query).catch((error) => {
      logger.error({ err: error, requestId: x.requestId }, 'upstream request failed');
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end();
      }
    });
  }

  return function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    // A connection refused for flooding (upstream/passthrough-lines.ts) closes after its 429; node:http may
    // still hand over what it had read (and resume reading after an answer): ignore it, stop reading again.
    if (readingStopped(req.socket)) return stopReading(req.socket);
    // Per-request state, so the completion path is one function rather than a closure per request.
    const x = beginExchange(req, res, nextRequestId, 'bad-request');
    try {
      const verdict = gate.check(req.method ?? '', req.url ?? '/', req.headers, x.caller);
      if (verdict.kind === 'reply') {
        x.handler = verdict.status === 200 ? 'token' : verdict.status === 400 || verdict.status === 414 ? 'bad-request' : 'denied';
        return finish(x, verdict.status, verdict.body, verdict.headers === undefined ? TEXT_HEADERS : Object.entries(verdict.headers).flat());
      }
      const { route } = verdict;
      x.handler = handlerName(route);
      const workload = callers.identify(x.caller, req.socket);
      switch (route.kind) {
        case 'passthrough':
          if (workload !== undefined || unknownCaller === 'passthrough') return answerPassthrough(x, verdict.path, verdict.query, workload);
          // Denying unknown callers: one a source is still catching up on is waited for, as on IAM routes.
          callers.identifyAfterMiss(x.caller).then((found) => answerPassthrough(x, verdict.path, verdict.query, found), (error) => fail(x, error));
          return;
        case 'not-found':
          return finish(x, 404, NOT_FOUND_PAGE, HTML_HEADERS);
        case 'credentials-redirect':
          return finish(x, 301, '', [...TEXT_HEADERS, 'location', route.location]);
      }
      if (workload !== undefined) return answerForWorkload(x, route, workload);
      const heldFrom = performance.now();
      callers.identifyAfterMiss(x.caller).then((found) => {
        x.heldMs = performance.now() - heldFrom;
        answerForWorkload(x, route, found);
      }, (error) => fail(x, error));
    } catch (error) {
      fail(x, error);
    }
  };
}

function handlerName(route: Route): RequestHandlerName {
  switch (route.kind) {
    case 'credentials':
      return 'credentials';
    case 'credentials-list':
      return 'credentials-list';
    case 'iam-info':
    case 'iam-listing':
      return 'iam-info';
    case 'credentials-redirect':
      return 'redirect';
    case 'not-found':
      return 'denied';
    case 'passthrough':
      return 'passthrough';
  }
}
