// What every listener of ours does alike with node:http: bind, and write a whole answer.
import type { IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { SettingError } from '../core/errors.js';
import { errorMessage } from '../core/error-message.js';

/** Resolves once bound; a bind error (EADDRINUSE) rejects rather than being an unhandled 'error' event. */
export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

const BIND_FAILURES: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)',
  EADDRNOTAVAIL: 'address not available on this host',
};

/** listen() for the listener a setting chose: a bind error names the setting and address (`PORT 8000 on 0.0.0.0: …`). */
export async function listenFor(setting: string, server: Server, port: number, host: string): Promise<void> {
  try {
    await listen(server, port, host);
  } catch (error) {
    const why = BIND_FAILURES[(error as NodeJS.ErrnoException).code ?? ''] ?? errorMessage(error);
    throw new SettingError(`${setting} ${port} on ${host}: ${why}`);
  }
}

/** Writes a complete answer unless one is already under way (a client may have gone, a stream started). */
export function writeAnswer(req: IncomingMessage, res: ServerResponse, status: number, headers: OutgoingHttpHeaders, body: Buffer | string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * A client that half-closes after its request (`printf 'GET …' | nc`) still gets its answer, as from IMDS.
 * node:http aborts whatever is still in progress on the client's FIN unless this (long-standing, if
 * undocumented) switch is on; synchronous answers got out anyway, passthrough ones did not. A client that
 * is really gone is noticed when the answer cannot be written, and its queued work is dropped then.
 */
export function answerHalfClosedClients(server: Server): void {
  (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
}

const STOPPED = Symbol('metadataproxy.stopped-reading');
type StoppableSocket = Socket & { [STOPPED]?: true };

/**
 * Stops reading more pipelined requests from this connection, which closes after the answers already under
 * way; requests read after this are not answered (see readingStopped). `socket.pause()` alone does not hold
 * (node:http resumes a connection whenever an answer on it is written): the metered reading
 * (server/metered-reading.ts) drops whatever arrives once this is set.
 */
export function stopReading(socket: Socket): void {
  (socket as StoppableSocket)[STOPPED] = true;
  socket.pause();
}

/** True once stopReading() was called for this connection: its later requests are dropped unanswered. */
export function readingStopped(socket: Socket): boolean {
  return (socket as StoppableSocket)[STOPPED] === true;
}
