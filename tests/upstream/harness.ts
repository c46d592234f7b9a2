// Mounts a MetadataBackend in a bare node:http server, as the request handler does, so the upstream side is
// tested on its own. Any rejection of handle() is collected: the backend must answer, never throw.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../src/core/clock.js';
import type { MetadataBackend } from '../../src/upstream/backend.js';

export interface Mounted {
  url: string;
  failures: unknown[];
  /** handle() calls not yet settled: a backend that hangs after its client left shows up here. */
  inFlight(): number;
  close(): Promise<void>;
}

export async function mount(backend: MetadataBackend): Promise<Mounted> {
  const failures: unknown[] = [];
  let inFlight = 0;
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const [path, query] = q < 0 ? [url, ''] : [url.slice(0, q), url.slice(q + 1)];
    inFlight += 1;
    backend
      .handle(req, res, path, query)
      .catch((error) => failures.push(error))
      .finally(() => (inFlight -= 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    failures,
    inFlight: () => inFlight,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A clock that moves only when told to. */
export function manualClock(start = Date.UTC(2030, 0, 1)): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  };
}

