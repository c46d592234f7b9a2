// Bounds on what one connection may cost, so a slow or hostile client cannot hold sockets open forever
// or make the server buffer large headers. IMDS clients send a short request line and a few headers.
import type { Server, ServerOptions } from 'node:http';

export interface ServerLimits {
  /** Time allowed to receive a request's headers, from the first byte. */
  headersTimeoutMs: number;
  /** Time allowed to receive a whole request. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: number;
  /** A socket with no traffic in either direction is closed after this long. */
  idleTimeoutMs: number;
  /** How often Node checks the two timeouts above it; also their precision. */
  checkIntervalMs: number;
  maxHeadersCount: number;
  /** Request line plus headers, in bytes; beyond it Node answers 431. */
  maxHeaderBytes: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 60_000,
  checkIntervalMs: 1_000,
  maxHeadersCount: 64,
  maxHeaderBytes: 8 * 1024,
};

/** The limits that can only be given to `http.createServer`. */
export function serverOptions(overrides: Partial<ServerLimits> = {}): ServerOptions {
  const limits = { ...DEFAULT_SERVER_LIMITS, ...overrides };
  return {
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: limits.checkIntervalMs,
  };
}

/** The limits set on a created server (for servers not made with `serverOptions`, all but the header size). */
export function applyServerLimits(server: Server, overrides: Partial<ServerLimits> = {}): void {
  const limits = { ...DEFAULT_SERVER_LIMITS, ...overrides };
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxHeadersCount = limits.maxHeadersCount;
  server.setTimeout(limits.idleTimeoutMs);
}
