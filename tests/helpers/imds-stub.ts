/**
 * IMDS stub: stands in for the host's real instance metadata service, on 127.0.0.1 and an ephemeral port.
 *
 *   const stub = await startImdsStub({ requireToken: true });
 *   // … point the proxy's METADATA_URL at stub.url, send requests …
 *   assertNoHostSecretRequests(stub);
 *   await stub.close();
 *
 * It answers:
 * - Host secrets: any request target (path or query) that contains `iam` or `identity-credentials`
 *   anywhere, in any case, after percent-decoding (repeatedly), Unicode compatibility folding (fullwidth
 *   letters and solidus), dotless/dotted i and zero-width characters removed, gets credentials-shaped JSON
 *   whose values contain `stub.marker` (`HOST-SECRET-<random>`). A substring, not a segment: whether the
 *   real IMDS strips `;` parameters or trailing dots is unknown, so any such request counts as a leak.
 * - `PUT /latest/api/token` with a TTL header: a token of its own, containing the marker too, TTL echoed
 *   (with `X-Forwarded-For`: 403, as IMDS). `tokens: 403 | 404 | 405` makes it refuse instead (an upstream
 *   without IMDSv2). `stub.issuedTokens` lists the tokens issued; `stub.revokeTokens()` invalidates them.
 * - A request carrying a token the stub did not issue (or revoked) → 401; with `requireToken`, a request
 *   without a token → 401 as well (an instance with HttpTokens=required).
 * - `routes`: exact path (no query) → `StubRoute`; `stub.routes` is the live Map, changeable mid-test.
 * - Anything else: 200 text/plain `upstream <METHOD> <path>[?<query>]`.
 * `delayMs` delays every answer. `stub.setHanging(true)` stops answering anything (a hung metadata service)
 * until `setHanging(false)`, which drops the connections held meanwhile. `stub.requests` records every
 * request in arrival order.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import assert from 'node:assert/strict';

export interface StubRoute {
  status?: number;
  contentType?: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  delayMs?: number;
  /** 'headers': never answers. 'body': sends the headers and a first chunk, then nothing more. */
  hang?: 'headers' | 'body';
  /** Destroys the connection instead of answering. */
  reset?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  /** Raw query without '?', '' when absent. */
  query: string;
  /** Lower-case names, as node parses them. */
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Same number for requests that arrived on the same TCP connection. */
  connection: number;
  /** The proxy closed the connection before the stub answered (a cancelled request). */
  aborted: boolean;
}

export interface ImdsStubOptions {
  requireToken?: boolean;
  tokens?: 'issue' | 403 | 404 | 405;
  delayMs?: number;
  routes?: Record<string, StubRoute>;
  /** Listen address (default 127.0.0.1; `::1` for an IPv6 upstream). */
  host?: string;
}

export interface ImdsStub {
  url: string;
  marker: string;
  requests: RecordedRequest[];
  routes: Map<string, StubRoute>;
  issuedTokens: string[];
  revokeTokens(): void;
  setHanging(on: boolean): void;
  close(): Promise<void>;
}

const TOKEN_HEADER = 'x-aws-ec2-metadata-token';
const TTL_HEADER = 'x-aws-ec2-metadata-token-ttl-seconds';

const ZERO_WIDTH = /[\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff]/g;

/** Decodes until stable (so `%2569am` counts) and folds lookalikes: the widest reading of a target. */
function widestReading(target: string): string {
  let current = target;
  for (let i = 0; i < 5; i++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      break;
    }
    if (next === current) break;
    current = next;
  }
  return current.normalize('NFKC').replace(ZERO_WIDTH, '').replace(/[\u0130\u0131]/g, 'i').toLowerCase();
}

/** A raw request target (path and query) that names the host's credentials in any spelling. */
export function isHostSecretTarget(target: string): boolean {
  const reading = widestReading(target);
  return reading.includes('iam') || reading.includes('identity-credentials');
}

function targetOf(r: RecordedRequest): string {
  return r.query === '' ? r.path : `${r.path}?${r.query}`;
}

export function assertNoHostSecretRequests(stub: Pick<ImdsStub, 'requests'>): void {
  const leaked = stub.requests.filter((r) => isHostSecretTarget(targetOf(r))).map((r) => `${r.method} ${targetOf(r)}`);
  assert.deepEqual(leaked, [], 'the upstream IMDS received requests for host-only paths');
}

function hostSecretBody(marker: string): string {
  return JSON.stringify({
    Code: 'Success',
    Type: 'AWS-HMAC',
    AccessKeyId: `ASIA${marker}`,
    SecretAccessKey: marker,
    Token: marker,
    Expiration: '2099-01-01T00:00:00Z',
  });
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => resolve(Buffer.concat(chunks)));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startImdsStub(options: ImdsStubOptions = {}): Promise<ImdsStub> {
  const marker = `HOST-SECRET-${randomBytes(8).toString('hex')}`;
  const requests: RecordedRequest[] = [];
  const routes = new Map(Object.entries(options.routes ?? {}));
  const issuedTokens: string[] = [];
  const validTokens = new Set<string>();
  const connections = new WeakMap<Socket, number>();
  let nextConnection = 0;
  let hanging = false;
  const held = new Set<ServerResponse>();

  function text(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), ...headers });
    res.end(body);
  }

  function issueToken(req: IncomingMessage, res: ServerResponse): void {
    if (options.tokens !== undefined && options.tokens !== 'issue') return text(res, options.tokens, '');
    if (req.headers['x-forwarded-for'] !== undefined) return text(res, 403, '');
    const ttl = Number(req.headers[TTL_HEADER]);
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21600) return text(res, 400, '');
    const token = `${marker}-token-${issuedTokens.length + 1}`;
    issuedTokens.push(token);
    validTokens.add(token);
    text(res, 200, token, { [TTL_HEADER]: String(ttl) });
  }

  function serveRoute(res: ServerResponse, route: StubRoute): void {
    if (route.reset) return void res.socket?.destroy();
    if (route.hang === 'headers') return;
    const body = route.body ?? '';
    res.writeHead(route.status ?? 200, {
      'content-type': route.contentType ?? 'text/plain',
      'content-length': Buffer.byteLength(body),
      ...route.headers,
    });
    if (route.hang === 'body') return void res.write(Buffer.from(body).subarray(0, 1));
    res.end(body);
  }

  const server = createServer(async (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    const method = req.method ?? '';
    let connection = connections.get(req.socket);
    if (connection === undefined) connections.set(req.socket, (connection = ++nextConnection));
    const recorded: RecordedRequest = { method, path, query, headers: req.headers, body: Buffer.alloc(0), connection, aborted: false };
    requests.push(recorded);
    res.once('close', () => (recorded.aborted = !res.writableFinished));
    recorded.body = await readBody(req);
    if (hanging) {
      held.add(res);
      res.once('close', () => held.delete(res));
      return;
    }

    const route = routes.get(path);
    const delayMs = route?.delayMs ?? options.delayMs ?? 0;
    if (delayMs > 0) await sleep(delayMs);
    if (method === 'PUT' && path === '/latest/api/token') return issueToken(req, res);
    const token = req.headers[TOKEN_HEADER];
    if (typeof token === 'string' ? !validTokens.has(token) : options.requireToken) return text(res, 401, '');
    if (isHostSecretTarget(url)) return text(res, 200, hostSecretBody(marker));
    if (route !== undefined) return serveRoute(res, route);
    text(res, 200, `upstream ${method} ${url}`);
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    marker,
    requests,
    routes,
    issuedTokens,
    revokeTokens: () => validTokens.clear(),
    setHanging: (on) => {
      hanging = on;
      if (on) return;
      for (const res of held) res.destroy();
      held.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
