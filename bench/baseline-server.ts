// The baseline: a bare node:http server that replays, for each path, the status, headers and body our proxy
// answered. Same bytes on the wire, none of the work, so the ratio is the cost of the proxy's logic.
import http from 'node:http';
import { answerRequests } from './processes.js';

export interface RecordedResponse {
  status: number;
  /** Headers as our proxy sent them, minus those node:http adds by itself. */
  headers: Record<string, string>;
  bodyBase64: string;
}

const NOT_FOUND = { status: 404, headers: {}, body: Buffer.alloc(0) };

answerRequests(async (message) => {
  const recorded = message.responses as Record<string, RecordedResponse>;
  const keepAliveTimeoutMs = message.keepAliveTimeoutMs as number | undefined;
  const answers = new Map(
    Object.entries(recorded).map(([path, r]) => [path, { status: r.status, headers: r.headers, body: Buffer.from(r.bodyBase64, 'base64') }]),
  );
  const server = http.createServer((req, res) => {
    const answer = answers.get(req.url ?? '') ?? NOT_FOUND;
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  });
  // Same keep-alive header value as ours, so the header bytes match too.
  if (keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = keepAliveTimeoutMs;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port };
});
