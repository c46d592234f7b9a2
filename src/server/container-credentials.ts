// The ECS/EKS container-credentials protocol on its own listener (CONTAINER_CREDENTIALS_PORT): SDKs that
// see AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI ask it before IMDS, with one GET. The caller is
// found by its address exactly as for IMDS (same identity index, same wait for a just-started container,
// same roles and credential cache, so both protocols share one STS call per key); only the answer's shape
// differs. Errors are JSON with Code and Message, which is what the SDKs read.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Workload } from '../identity/workload.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { RequestLog } from '../observability/request-log.js';
import { StsError } from '../credentials/sts-error.js';
import { ProxyError } from '../core/errors.js';
import { failureStatus } from '../imds/failure-status.js';
import type { Callers, CallerRole, ServedCredentials } from '../callers/caller.js';
import { beginExchange, recordExchange, type Exchange } from './exchange.js';
import { containerCredentialsBody } from '../imds/answers.js';

export interface ContainerCredentialsOptions {
  callers: Callers;
  metrics: Metrics;
  logger: Logger;
  requestLog?: RequestLog;
  nextRequestId: () => string;
}

/** `/v1/credentials` (EKS, aws-vault) and `/v2/credentials/{id}` (ECS), with anything below them: one route. */
export function isContainerCredentialsPath(url: string): boolean {
  const query = url.indexOf('?');
  const path = query < 0 ? url : url.slice(0, query);
  return path === '/v1/credentials' || path.startsWith('/v1/credentials/') || path === '/v2/credentials' || path.startsWith('/v2/credentials/');
}

/** Equal without leaking, through timing, how much of the token a guess got right (digests have one length). */
export function sameToken(given: string | undefined, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given ?? ''), digest(expected)) && given !== undefined;
}

const errorBody = (code: string, message: string): Buffer => Buffer.from(JSON.stringify({ Code: code, Message: message }));
const NOT_A_ROUTE = errorBody('NotFound', 'credentials are served at /v1/credentials');
const NOT_ALLOWED = errorBody('MethodNotAllowed', 'only GET is answered');
const UNAUTHORIZED = errorBody('Unauthorized', 'the Authorization header does not carry this container\'s token');
const UNKNOWN_CALLER = errorBody('NotFound', 'no container is known at this address');
const NO_ROLE = errorBody('NotFound', 'this container has no role');
const INTERNAL = errorBody('InternalError', 'the proxy failed; see its log');
const JSON_HEADERS: readonly string[] = ['content-type', 'application/json'];

export function createContainerCredentialsHandler({ callers, metrics, logger, requestLog, nextRequestId }: ContainerCredentialsOptions) {
  // One answer per set of credentials: refreshed credentials are a new object, so old bodies fall away.
  const bodies = new WeakMap<ServedCredentials, Buffer>();

  function reply(x: Exchange, status: number, body: Buffer, extra: readonly string[] = []): void {
    if (!x.res.headersSent) {
      x.res.writeHead(status, ['content-length', String(body.length), 'x-request-id', x.requestId, ...JSON_HEADERS, ...extra]);
      x.res.end(x.req.method === 'HEAD' ? undefined : body);
    }
    recordExchange(x, status, metrics, requestLog);
  }

  function fail(x: Exchange, error: unknown): void {
    // Any AWS failure is worth a retry for these clients (they ask again on 503); a role or session that
    // cannot be had is not.
    if (error instanceof StsError) return reply(x, 503, errorBody(error.code, error.message));
    if (error instanceof ProxyError && failureStatus(error) === 404) {
      logger.debug({ requestId: x.requestId, reason: error.message }, 'credentials unavailable');
      return reply(x, 404, errorBody(error.code, error.message));
    }
    logger.error({ err: error, requestId: x.requestId }, 'request failed');
    reply(x, 500, INTERNAL);
  }

  function answerCredentials(x: Exchange, role: CallerRole | undefined): void {
    x.role = role;
    if (role === undefined) return reply(x, 404, x.workload === undefined ? UNKNOWN_CALLER : NO_ROLE);
    const served = callers.credentialsFor(role);
    if (served instanceof Promise) return void served.then((s) => reply(x, 200, bodyOf(s, role)), (error) => fail(x, error));
    reply(x, 200, bodyOf(served, role));
  }

  function bodyOf(served: ServedCredentials, role: CallerRole): Buffer {
    let body = bodies.get(served);
    if (body === undefined) {
      body = containerCredentialsBody(served.credentials, role.roleArn);
      bodies.set(served, body);
    }
    return body;
  }

  function answerFor(x: Exchange, workload: Workload | undefined): void {
    x.workload = workload;
    const token = workload?.authorizationToken;
    if (token !== undefined && !sameToken(x.req.headers.authorization, token)) return reply(x, 401, UNAUTHORIZED);
    const role = callers.roleFor(workload);
    if (role instanceof Promise) return void role.then((r) => answerCredentials(x, r), (error) => fail(x, error));
    answerCredentials(x, role);
  }

  return function handleContainerCredentials(req: IncomingMessage, res: ServerResponse): void {
    const x = beginExchange(req, res, nextRequestId, 'container-credentials');
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') return reply(x, 405, NOT_ALLOWED, ['allow', 'GET, HEAD']);
      if (!isContainerCredentialsPath(req.url ?? '')) return reply(x, 404, NOT_A_ROUTE);
      const workload = callers.identify(x.caller);
      if (workload !== undefined) return answerFor(x, workload);
      // The caller may be a container whose start Docker has not reported yet: wait for it as IMDS does.
      callers.identifyAfterMiss(x.caller).then((found) => answerFor(x, found), (error) => fail(x, error));
    } catch (error) {
      fail(x, error);
    }
  };
}
