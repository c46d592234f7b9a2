// One-off HTTP requests from the orchestrator (capturing answers, polling for readiness, minting tokens);
// never used to generate load.
import http from 'node:http';
import net from 'node:net';

export interface ProbeRequest {
  port: number;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  /** Caller address: which workload the proxy sees. */
  localAddress?: string;
  timeoutMs?: number;
}

export interface ProbeAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export function probe(request: ProbeRequest): Promise<ProbeAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: request.port,
        path: request.path,
        method: request.method ?? 'GET',
        headers: request.headers,
        localAddress: request.localAddress,
        agent: false,
        timeout: request.timeoutMs ?? 5000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from 127.0.0.1:${request.port}${request.path}`)));
    req.on('error', reject);
    req.end();
  });
}

/** Polls until the request answers `status`; resolves with the time it took, in ms. */
export async function waitForStatus(request: ProbeRequest, status: number, timeoutMs: number, intervalMs = 2): Promise<number> {
  const started = performance.now();
  let last = 'no answer';
  while (performance.now() - started < timeoutMs) {
    try {
      const answer = await probe({ ...request, timeoutMs: Math.max(1, timeoutMs - (performance.now() - started)) });
      if (answer.status === status) return performance.now() - started;
      last = `status ${answer.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`127.0.0.1:${request.port}${request.path} did not answer ${status} within ${timeoutMs} ms (${last})`);
}

/** The raw bytes of one answer on a fresh connection (for comparing two servers byte for byte). */
export function rawAnswer(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error(`no answer from 127.0.0.1:${port}${path}`)));
  });
}
