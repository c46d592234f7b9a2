// Answers the upstream side writes itself (mock tree, refused paths, upstream failures), shaped as IMDS
// shapes them: text bodies, and IMDS's own XHTML page for 404.
import type { IncomingMessage, ServerResponse } from 'node:http';

export const IMDS_NOT_FOUND_BODY = Buffer.from(
  '<?xml version="1.0" encoding="iso-8859-1"?>\n' +
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"\n' +
    '\t"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n' +
    '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">\n' +
    ' <head>\n  <title>404 - Not Found</title>\n </head>\n <body>\n  <h1>404 - Not Found</h1>\n </body>\n</html>\n',
);

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
  reply(req, res, 404, IMDS_NOT_FOUND_BODY, { 'content-type': 'text/html' });
}
