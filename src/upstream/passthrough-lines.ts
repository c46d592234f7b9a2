// Flood isolation for passthrough, as a wrapper around any backend. One client connection that pipelines
// thousands of requests would otherwise start thousands of upstream requests at once and keep them going
// after it left. Here each connection has one line: one request upstream at a time, the rest wait their
// turn and are dropped, never started, once the connection closes. A caller's waiting and running work
// together is capped: beyond it the answer is 429 (as the EKS Pod Identity Agent answers) and that
// connection closes after it, so a pipelining flood costs one answer, not one per request it wrote; what
// it pipelined after the 429 is never looked at. Credential routes never come here.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { callerAddress } from '../core/ip-address.js';
import { stopReading } from '../imds/node-http.js';
import type { MetadataBackend } from './backend.js';
import { replyTooManyRequests } from './answers.js';

export interface PassthroughLinesOptions {
  /** Passthrough requests one caller (source address) may have waiting or running. */
  maxPerCaller: number;
}

interface Job {
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
  query: string;
  caller: string;
  /** Settles what handle() returned: the backend's own outcome, or nothing for a dropped job. */
  settle: (error?: unknown) => void;
}

interface Line {
  running: boolean;
  /** The connection closed: nothing waiting is started. */
  closed: boolean;
  waiting: Job[];
}

const LINE = Symbol('metadataproxy.passthrough-line');
type LineSocket = Socket & { [LINE]?: Line };

export function withPassthroughLines(backend: MetadataBackend, options: PassthroughLinesOptions): MetadataBackend {
  const held = new Map<string, number>();

  function release(job: Job, error?: unknown): void {
    const left = (held.get(job.caller) ?? 1) - 1;
    if (left === 0) held.delete(job.caller);
    else held.set(job.caller, left);
    job.settle(error);
  }

  function lineOf(socket: LineSocket): Line {
    let line = socket[LINE];
    if (line === undefined) {
      const created: Line = { running: false, closed: false, waiting: [] };
      socket.once('close', () => {
        created.closed = true;
        for (const job of created.waiting.splice(0)) release(job);
      });
      line = socket[LINE] = created;
    }
    return line;
  }

  function next(line: Line): void {
    if (line.running || line.closed) return;
    const job = line.waiting.shift();
    if (job === undefined) return;
    line.running = true;
    const finished = (error?: unknown): void => {
      line.running = false;
      release(job, error);
      next(line);
    };
    backend.handle(job.req, job.res, job.path, job.query).then(() => finished(), finished);
  }

  return {
    handle(req, res, path, query) {
      const line = lineOf(req.socket);
      if (line.closed) return Promise.resolve();
      const caller = callerAddress(req.socket.remoteAddress);
      const count = held.get(caller) ?? 0;
      if (count >= options.maxPerCaller) {
        // What else it pipelined is not read (node:http would parse, and on close abort, every one of them)
        // nor answered: the handler drops requests of a connection whose reading stopped.
        stopReading(req.socket);
        replyTooManyRequests(req, res);
        return Promise.resolve();
      }
      held.set(caller, count + 1);
      return new Promise<void>((resolve, reject) => {
        const settle = (error?: unknown) => (error === undefined ? resolve() : reject(error));
        line.waiting.push({ req, res, path, query, caller, settle });
        next(line);
      });
    },
    close: () => backend.close(),
  };
}
