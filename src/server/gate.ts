// First stop of every request: method and path checks, IMDSv2 tokens, deny/allow lists. Returns either the
// normalized path to route or the answer to give. (Minimal version; hardening lands with issue 4.)
import type { IncomingHttpHeaders } from 'node:http';

export type GateResult =
  | { kind: 'pass'; path: string; query: string }
  | { kind: 'reply'; status: number; body: string; headers?: Record<string, string> };

export interface RequestGate {
  check(method: string, rawUrl: string, headers: IncomingHttpHeaders, callerIp: string): GateResult;
}

export function createRequestGate(): RequestGate {
  return {
    check(method, rawUrl) {
      if (method !== 'GET' && method !== 'HEAD') return { kind: 'reply', status: 405, body: '' };
      const q = rawUrl.indexOf('?');
      return q < 0
        ? { kind: 'pass', path: rawUrl, query: '' }
        : { kind: 'pass', path: rawUrl.slice(0, q), query: rawUrl.slice(q + 1) };
    },
  };
}
