// Answers the upstream side writes itself (mock tree, refused paths, upstream failures), shaped as IMDS
// shapes them: text bodies, and IMDS's own XHTML page for 404.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { imdsErrorPage, NOT_FOUND_PAGE } from '../imds/answers.js';
import { writeAnswer } from '../imds/node-http.js';

const BAD_REQUEST_PAGE = imdsErrorPage(400);
const TOO_MANY_REQUESTS_PAGE = imdsErrorPage(429);

/** A complete answer with its Content-Length, as IMDS sends it. */
export function reply(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: Buffer | string,
  headers: Record<string, string> = { 'content-type': 'text/plain' },
): void {
  writeAnswer(req, res, status, { ...headers, 'content-length': Buffer.byteLength(body) }, body);
}

export function replyNotFound(req: IncomingMessage, res: ServerResponse): void {
  reply(req, res, 404, NOT_FOUND_PAGE, { 'content-type': 'text/html' });
}

export function replyBadRequest(req: IncomingMessage, res: ServerResponse): void {
  reply(req, res, 400, BAD_REQUEST_PAGE, { 'content-type': 'text/html' });
}

/** 429, and the connection closes after it (node:http ends it once this answer is written). */
export function replyTooManyRequests(req: IncomingMessage, res: ServerResponse): void {
  reply(req, res, 429, TOO_MANY_REQUESTS_PAGE, { 'content-type': 'text/html', connection: 'close' });
}
