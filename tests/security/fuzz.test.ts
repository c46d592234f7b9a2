// Property-based hunt for a request shape that reaches the host's credentials. The upstream stub answers
// any target containing `iam` or `identity-credentials` (any case, encoding or lookalike) and its own
// tokens with a marker secret; whatever the request, the marker must never come back, the proxy must never answer
// 5xx other than 502/504 (upstream trouble), never crash, and never send a host-only path upstream.
//
// Two phases: GATE_RUNS requests through the gate and the router in-process (fast, with shrinking), and
// HTTP_RUNS of them against the running proxy over real sockets from mapped and unmapped callers, half
// with HTTP_TOKENS=optional and a deny list, half with HTTP_TOKENS=required. The seed is printed; the
// same FUZZ_SEED replays the same requests.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { createRequestGate } from '../../src/server/gate.js';
import { normalizeTarget } from '../../src/server/normalize.js';
import { routeOf } from '../../src/server/routes.js';
import { createTokenService } from '../../src/tokens/token-service.js';
import { startHarness, type Harness } from '../helpers/proxy-harness.js';
import { assertNoHostSecretRequests, isHostSecretTarget } from '../helpers/imds-stub.js';
import { fuzzRequest, MAPPED_CALLERS, needsRawSocket, UNMAPPED_CALLER, type FuzzRequest } from './request-grammar.js';

const GATE_RUNS = 100_000;
/** `npm run test:fuzz` (CI) sends 100 000; `npm test` keeps to 20 000. */
const HTTP_RUNS = Number(process.env.FUZZ_HTTP_RUNS ?? 20_000);
const CONCURRENCY = 16;
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
console.log(`fuzz seed ${SEED}: replay with FUZZ_SEED=${SEED}${HTTP_RUNS === 20_000 ? '' : ` FUZZ_HTTP_RUNS=${HTTP_RUNS}`}`);
const CALLERS = [...MAPPED_CALLERS, UNMAPPED_CALLER];
const GATE_STATUSES = new Set([400, 401, 403, 404, 405, 414]);

/** Real tokens per caller, for the token choices of the grammar. */
type TokenBook = Record<string, string>;

function tokenHeader(request: FuzzRequest, tokens: TokenBook): Record<string, string> {
  const other = CALLERS[(CALLERS.indexOf(request.caller) + 1) % CALLERS.length]!;
  switch (request.token) {
    case 'none':
      return {};
    case 'own':
      return { 'x-aws-ec2-metadata-token': tokens[request.caller]! };
    case 'other-caller':
      return { 'x-aws-ec2-metadata-token': tokens[other]! };
    case 'garbage':
      return { 'x-aws-ec2-metadata-token': 'AQAEAGarbageTokenThatWasNeverMintedByAnyoneAtAll00000==' };
    case 'empty':
      return { 'x-aws-ec2-metadata-token': '' };
  }
}

test(`gate and router: ${GATE_RUNS} generated requests, no host-only path is ever passed through (seed ${SEED})`, () => {
  const service = createTokenService();
  const tokens = Object.fromEntries(CALLERS.map((caller) => [caller, service.mint(caller, 21600)]));
  const gates = {
    optional: createRequestGate({ httpTokens: 'optional', tokens: service }),
    required: createRequestGate({ httpTokens: 'required', tokens: service, denyPaths: ['/*/user-data'] }),
  };
  fc.assert(
    fc.property(fuzzRequest, (request) => {
      const headers = { ...request.headers, ...tokenHeader(request, tokens) };
      for (const [mode, gate] of Object.entries(gates)) {
        const verdict = gate.check(request.method, request.target, headers, request.caller);
        if (verdict.kind === 'reply') {
          if (verdict.status === 200) assert.equal(request.method, 'PUT', 'only a token PUT is answered 200 by the gate');
          else assert.ok(GATE_STATUSES.has(verdict.status), `status ${verdict.status}`);
          continue;
        }
        if (mode === 'required') assert.equal(request.token, 'own', 'required mode passed a read without its own token');
        assert.ok(request.method === 'GET' || request.method === 'HEAD');
        assert.deepEqual(normalizeTarget(verdict.path), { ok: true, path: verdict.path, query: '' }, 'pass path is canonical');
        if (routeOf(verdict.path).kind === 'passthrough') {
          const target = verdict.query === '' ? verdict.path : `${verdict.path}?${verdict.query}`;
          assert.ok(!isHostSecretTarget(target), `would pass ${target} through`);
        }
      }
    }),
    { numRuns: GATE_RUNS, seed: SEED },
  );
});

interface Answer {
  status: number;
  raw: string;
}

function viaAgent(url: URL, agent: http.Agent, request: FuzzRequest, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method: request.method, path: request.target, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, raw: JSON.stringify(res.headers) + Buffer.concat(chunks).toString('latin1') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Bytes as written, for what node's client will not send: a parse error must still be a clean answer. */
function viaRawSocket(url: URL, request: FuzzRequest, headers: Record<string, string>): Promise<Answer> {
  const lines = Object.entries({ host: '169.254.169.254', ...headers, connection: 'close' }).map(([k, v]) => `${k}: ${v}\r\n`);
  const bytes = Buffer.from(`${request.method} ${request.target} HTTP/1.1\r\n${lines.join('')}\r\n`, 'utf8');
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: url.hostname, port: Number(url.port), localAddress: request.caller });
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const raw = Buffer.concat(chunks).toString('latin1');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0), raw });
    });
    socket.end(bytes);
  });
}

async function mintToken(h: Harness, caller: string): Promise<string> {
  const r = await h.request(caller, '/latest/api/token', { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' } });
  assert.equal(r.status, 200);
  return r.body;
}

function describeHttpPhase(mode: 'optional' | 'required', runs: number, seed: number): void {
  describe(`real sockets, HTTP_TOKENS=${mode}`, () => {
    let h: Harness;
    let tokens: TokenBook;
    const agents = new Map(CALLERS.map((caller) => [caller, new http.Agent({ keepAlive: true, localAddress: caller, maxSockets: 4 })]));

    before(async () => {
      const env: Record<string, string> = { HTTP_TOKENS: mode, ...(mode === 'optional' ? { DENY_PATHS: '/*/user-data' } : {}) };
      h = await startHarness({ env, mappings: { '127.0.0.2': 'reader', '127.0.0.3': 'writer' } });
      tokens = Object.fromEntries(await Promise.all(CALLERS.map(async (caller) => [caller, await mintToken(h, caller)])));
    });
    after(async () => {
      for (const agent of agents.values()) agent.destroy();
      await h.close();
    });

    test(`${runs} generated requests: no marker, no 5xx but 502/504, no host-only request upstream (seed ${seed})`, async () => {
      const url = new URL(h.proxy.url);
      const requests = fc.sample(fuzzRequest, { numRuns: runs, seed });
      const started = performance.now();
      let next = 0;
      let raw = 0;
      const statuses = new Map<number, number>();
      async function worker(): Promise<void> {
        while (next < requests.length) {
          const request = requests[next++]!;
          const headers = { ...request.headers, ...tokenHeader(request, tokens) };
          const rawSocket = needsRawSocket(request);
          if (rawSocket) raw++;
          const answer = rawSocket ? await viaRawSocket(url, request, headers) : await viaAgent(url, agents.get(request.caller)!, request, headers);
          const what = `${request.method} ${JSON.stringify(request.target)} from ${request.caller} with ${JSON.stringify(headers)}`;
          assert.ok(!answer.raw.includes(h.imds.marker), `the host secret leaked: ${what}`);
          assert.ok(answer.status < 500 || answer.status === 502 || answer.status === 504, `status ${answer.status}: ${what}`);
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        }
      }
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));

      assertNoHostSecretRequests(h.imds);
      // Still serving, and still telling callers apart.
      const own = await h.get('127.0.0.2', '/latest/meta-data/iam/security-credentials/', { 'x-aws-ec2-metadata-token': tokens['127.0.0.2']! });
      assert.deepEqual([own.status, own.body], [200, 'reader']);
      const summary = [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}:${n}`).join(' ');
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.log(
        `HTTP_TOKENS=${mode}: ${runs} requests in ${seconds} s (${raw} over raw sockets), 0 marker answers, ` +
          `${h.imds.requests.length} upstream requests, 0 naming iam/identity-credentials; statuses ${summary}`,
      );
    });
  });
}

describeHttpPhase('optional', HTTP_RUNS / 2, SEED + 1);
describeHttpPhase('required', HTTP_RUNS / 2, SEED + 2);
