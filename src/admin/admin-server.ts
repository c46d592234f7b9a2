// The admin listener (ADMIN_LISTEN, default 127.0.0.1:8001): health, readiness, status and metrics for
// operators. It is a separate listener so containers cannot read it: the DNAT rule only ever sends them to
// the proxy port, and `metadataproxy iptables` drops what else they send to loopback.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../observability/logger.js';
import { parseHostPort } from '../observability/address.js';
import { scrubSecrets } from '../observability/secrets.js';
import { listenFor, writeAnswer } from '../imds/node-http.js';
import type { StatusReport } from './status-report.js';

export interface ReadinessCheck {
  ok: boolean;
  detail?: string;
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, ReadinessCheck>;
}

export interface AdminServerOptions {
  /** `host:port`. */
  listen: string;
  registry: Registry;
  readiness: () => Readiness;
  status: () => StatusReport;
  logger: Logger;
}

export interface AdminServer {
  readonly server: Server;
  /** Starts listening; resolves to the bound `host:port` (useful with port 0). */
  start(): Promise<string>;
  close(): Promise<void>;
}

const JSON_HEADERS = { 'content-type': 'application/json' } as const;
const TEXT_HEADERS = { 'content-type': 'text/plain; charset=utf-8' } as const;

export function createAdminServer(options: AdminServerOptions): AdminServer {
  const server = createServer(adminRequestListener(options));
  return {
    server,
    start() {
      const { host, port } = parseHostPort(options.listen);
      return listenFor('ADMIN_LISTEN', server, port, host).then(() => boundAddress(server));
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** `host:port` a server is bound to, IPv6 in brackets. */
export function boundAddress(server: Server): string {
  const address = server.address() as AddressInfo;
  return `${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
}

/** The admin routes as a request listener, for a listener that outlives a settings reload. */
export function adminRequestListener(options: Omit<AdminServerOptions, 'listen'>): (req: IncomingMessage, res: ServerResponse) => void {
  const { registry, readiness, status, logger } = options;
  const metrics = metricsHandler(registry, logger);

  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
    // Liveness is "the event loop answers"; whether the proxy can serve is /readyz's question.
    '/healthz': (req, res) => writeAnswer(req, res, 200, TEXT_HEADERS, 'ok\n'),
    '/readyz': (req, res) => {
      const result = readiness();
      writeAnswer(req, res, result.ready ? 200 : 503, JSON_HEADERS, JSON.stringify(result) + '\n');
    },
    // Scrubbed although the report type holds no secret: a field added later must not leak one here.
    '/status': (req, res) => writeAnswer(req, res, 200, JSON_HEADERS, JSON.stringify(scrubSecrets(status())) + '\n'),
    '/metrics': metrics,
  };

  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const route = routes[path];
    if (route === undefined) return writeAnswer(req, res, 404, TEXT_HEADERS, 'not found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return writeAnswer(req, res, 405, { ...TEXT_HEADERS, allow: 'GET, HEAD' }, 'method not allowed\n');
    try {
      route(req, res);
    } catch (error) {
      logger.error({ err: error, path }, 'admin request failed');
      writeAnswer(req, res, 500, TEXT_HEADERS, 'internal error\n');
    }
  };
}

/**
 * `/metrics` in Prometheus text format. Exported on its own so the main listener can serve it too with
 * ENABLE_PROMETHEUS, as go-metadataproxy does.
 */
export function metricsHandler(registry: Registry, logger: Logger): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    registry.metrics().then(
      (text) => writeAnswer(req, res, 200, { 'content-type': registry.contentType }, text),
      (error: unknown) => {
        logger.error({ err: error }, 'collecting metrics failed');
        writeAnswer(req, res, 500, TEXT_HEADERS, 'metrics unavailable\n');
      },
    );
  };
}
