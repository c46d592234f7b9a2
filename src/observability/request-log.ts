// The request log (`--verbose`): one info line per request. Off, it is not a function at all, so the
// handler skips even building the entry.
import type { ObservedWorkload } from './workload-labels.js';
import type { Logger } from './logger.js';

export interface RequestLogEntry {
  requestId: string;
  caller: string;
  workload?: ObservedWorkload;
  role?: string;
  method: string;
  path: string;
  status: number;
  latencyMs: number;
  /** How long the caller's miss was held for the identity sources to catch up, when it was. */
  heldMs?: number | undefined;
  /** Why an IAM route answered 404: unknown caller (after a hold of N ms), no role, role mismatch, role spec error. */
  reason?: string | undefined;
}

export type RequestLog = (entry: RequestLogEntry) => void;

export function createRequestLog(logger: Logger, verbose: boolean): RequestLog | undefined {
  if (!verbose) return undefined;
  return (entry) =>
    logger.info(
      {
        requestId: entry.requestId,
        caller: entry.caller,
        container: entry.workload?.name,
        service: entry.workload?.service,
        role: entry.role,
        method: entry.method,
        path: entry.path,
        status: entry.status,
        latencyMs: Math.round(entry.latencyMs * 1000) / 1000,
        heldMs: entry.heldMs === undefined ? undefined : Math.round(entry.heldMs * 1000) / 1000,
        reason: entry.reason,
      },
      'request',
    );
}
