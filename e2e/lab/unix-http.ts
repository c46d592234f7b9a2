// HTTP over a unix socket: how the test process (outside the lab's namespace) reaches the Docker engine
// and the lab agent (inside it). Unix sockets are named by path, so they cross network namespaces.
import { request } from 'node:http';

export interface UnixResponse {
  status: number;
  body: string;
}

export function unixGet(socketPath: string, path: string, timeoutMs = 10_000): Promise<UnixResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} on ${socketPath} timed out`)));
    req.on('error', reject);
    req.end();
  });
}
