// SIGTERM: stop accepting, let in-flight requests finish, then close the rest. A bare server.close() is
// not enough: it waits for keep-alive connections that clients may hold open for minutes.
import type { Server } from 'node:http';
import type { Logger } from '../observability/logger.js';

export interface Closeable {
  close(): Promise<void> | void;
}

const IDLE_SWEEP_MS = 25;

/** Resolves true when every connection ended by itself, false when the deadline cut some off. */
export function drainServer(server: Server, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve(true);
    // Requests still arriving on open connections are answered, with `Connection: close`.
    server.prependListener('request', (_req, res) => {
      res.shouldKeepAlive = false;
    });
    // A connection whose request just finished is idle: close it rather than wait for the client.
    const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
    const deadline = setTimeout(() => {
      server.closeAllConnections();
      finish(false);
    }, timeoutMs);
    sweep.unref();
    deadline.unref();
    function finish(drained: boolean) {
      clearInterval(sweep);
      clearTimeout(deadline);
      resolve(drained);
    }
    server.close(() => finish(true));
  });
}

/** Drains every server, then closes the rest (identity sources, caches, metrics sinks); never rejects. */
export async function gracefulShutdown(servers: readonly Server[], closeables: readonly Closeable[], logger: Logger, timeoutMs: number): Promise<void> {
  const drained = await Promise.all(servers.map((server) => drainServer(server, timeoutMs)));
  if (drained.every(Boolean)) logger.info('in-flight requests finished');
  else logger.warn({ timeoutMs }, 'shutdown deadline reached; remaining connections closed');
  await closeAll(closeables, logger);
}

/** Closes each in turn, whatever the others do: one failing close must not leave the rest open. */
export async function closeAll(closeables: readonly Closeable[], logger: Logger): Promise<void> {
  for (const closeable of closeables) {
    try {
      await closeable.close();
    } catch (error) {
      logger.warn({ err: error }, 'error while closing');
    }
  }
}
