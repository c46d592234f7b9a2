// One request from arrival to answer, as both listeners (IMDS and container credentials) track it: who
// asked, since when, under which request id; and the one way a finished request is counted and logged.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Workload } from '../identity/workload.js';
import type { Metrics, RequestHandlerName } from '../observability/metrics.js';
import type { RequestLog } from '../observability/request-log.js';
import { isValidRequestId } from '../observability/request-id.js';
import { callerAddress } from '../core/ip-address.js';
import type { CallerRole } from '../callers/caller.js';

export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  started: number;
  caller: string;
  requestId: string;
  /** Which handler answers, for metrics; the IMDS handler settles it once the request is routed. */
  handler: RequestHandlerName;
  workload?: Workload;
  role?: CallerRole;
  /** How long the caller's miss was held for the identity sources, when it was. */
  heldMs?: number;
  /** Why an IAM route answered 404, for the request log. */
  reason?: string;
}

/** A client's own X-Request-Id is kept when it is well formed, so its logs and ours line up. */
export function beginExchange(req: IncomingMessage, res: ServerResponse, nextRequestId: () => string, handler: RequestHandlerName): Exchange {
  const incomingId = req.headers['x-request-id'];
  return {
    req,
    res,
    started: performance.now(),
    caller: callerAddress(req.socket.remoteAddress),
    requestId: isValidRequestId(incomingId) ? incomingId : nextRequestId(),
    handler,
  };
}

export function recordExchange(x: Exchange, status: number, metrics: Metrics, requestLog: RequestLog | undefined): void {
  const seconds = (performance.now() - x.started) / 1000;
  metrics.request(x.handler, status, seconds, x.workload);
  if (requestLog !== undefined) {
    requestLog({
      requestId: x.requestId,
      caller: x.caller,
      workload: x.workload,
      role: x.role?.roleName,
      method: x.req.method ?? '',
      path: x.req.url ?? '',
      status,
      latencyMs: seconds * 1000,
      heldMs: x.heldMs,
      reason: x.reason,
    });
  }
}
