// Runs inside the lab's network namespace (started by lab.ts), where the proxy can reach it:
// - the IMDS stub, standing in for the host's real metadata service (the proxy's METADATA_URL);
// - the fake STS/IAM, behind a recorder that notes when each call arrived and which key it issued;
// - a control server on a unix socket for the test process outside the namespace:
//   GET /sts-calls → the recorded calls; GET /fetch?url=… → a GET made from inside the namespace;
//   GET /sts-reachable?on=0|1 → the fake STS stops (or resumes) answering; GET /imds-hang?on=1|0 → the
//   IMDS stub stops (or resumes) answering.
// Prints `{"imdsUrl":…,"awsUrl":…}` on stdout once everything listens.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeAws } from '../../tests/helpers/fake-aws.js';
import { startImdsStub } from '../../tests/helpers/imds-stub.js';
import type { StsCall } from './agent-client.js';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

async function startRecorder(awsUrl: string, calls: StsCall[]): Promise<string> {
  const server = createServer(async (req, res) => {
    const at = Date.now();
    const body = await readBody(req);
    const params = new URLSearchParams(body);
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([name]) => !['host', 'connection', 'content-length'].includes(name)),
    ) as Record<string, string>;
    let answer: Response;
    let xml: string;
    try {
      answer = await fetch(new URL(req.url ?? '/', awsUrl), { method: req.method ?? 'POST', headers, body: body || undefined });
      xml = await answer.text();
    } catch {
      // The fake dropped the call (it was unreachable): so does the recorder, towards the proxy.
      calls.push({ at, action: params.get('Action') ?? '', roleArn: params.get('RoleArn') ?? undefined, params: Object.fromEntries(params), status: 0 });
      return void res.destroy();
    }
    calls.push({
      at,
      action: params.get('Action') ?? '',
      roleArn: params.get('RoleArn') ?? undefined,
      sessionName: params.get('RoleSessionName') ?? undefined,
      params: Object.fromEntries(params),
      status: answer.status,
      issuedKeyId: /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(xml)?.[1],
    });
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/xml' });
    res.end(xml);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function fetchInside(url: string): Promise<{ status: number; body: string }> {
  const answer = await fetch(url, { signal: AbortSignal.timeout(5_000), redirect: 'manual' });
  return { status: answer.status, body: await answer.text() };
}

async function main(controlSocket: string): Promise<void> {
  const calls: StsCall[] = [];
  const imds = await startImdsStub();
  const aws = await FakeAws.start();
  const awsUrl = await startRecorder(aws.url, calls);
  const control = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://agent');
    try {
      if (url.pathname === '/sts-calls') return json(res, 200, calls);
      if (url.pathname === '/fetch') return json(res, 200, await fetchInside(url.searchParams.get('url') ?? ''));
      const on = url.searchParams.get('on') === '1';
      if (url.pathname === '/sts-reachable') {
        if (on) aws.reachable();
        else aws.unreachable();
        return json(res, 200, { reachable: on });
      }
      if (url.pathname === '/imds-hang') {
        imds.setHanging(on);
        return json(res, 200, { hanging: on });
      }
      json(res, 404, { error: `no route ${url.pathname}` });
    } catch (error) {
      json(res, 502, { error: String(error) });
    }
  });
  await new Promise<void>((resolve) => control.listen(controlSocket, resolve));
  process.stdout.write(`${JSON.stringify({ imdsUrl: imds.url, awsUrl })}\n`);
  process.on('SIGTERM', () => process.exit(0));
}

const [controlSocket] = process.argv.slice(2);
if (!controlSocket) {
  process.stderr.write('usage: netns-agent CONTROL_SOCKET\n');
  process.exit(2);
}
main(controlSocket).catch((error: unknown) => {
  process.stderr.write(`netns-agent: ${String(error)}\n`);
  process.exit(1);
});
