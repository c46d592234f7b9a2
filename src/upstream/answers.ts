// Answers the upstream side writes itself (mock tree, refused paths, upstream failures), shaped as IMDS
// shapes them: text bodies, and IMDS's own XHTML page for 404.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { NOT_FOUND_PAGE } from '../server/responses.js';

/** Writes a complete answer unless one is already under way (a client may have gone, a stream started). */
export function reply(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: Buffer | string,
  headers: Record<string, string> = { 'content-type': 'text/plain' },
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

export function replyNotFound(req: IncomingMessage, res: ServerResponse): void {
  reply(req, res, 404, NOT_FOUND_PAGE, { 'content-type': 'text/html' });
}
