// What every listener of ours does alike with node:http: bind, and write a whole answer.
import type { IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';
import { SettingError } from '../config/exit.js';
import { errorMessage } from '../error-message.js';

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
