// The proxy's listening sockets, kept across a settings reload. Each socket serves whatever handler is
// current, so a reload swaps handlers without touching connections. Only a listener whose address changed
// is rebound, and its new address is bound before the old socket goes: a failed bind changes nothing.
import type { RequestListener, Server } from 'node:http';
import { listenFor } from '../imds/node-http.js';

export interface ListenerSpec {
  /** Unique among the listeners, e.g. `PORT 127.0.0.1`. */
  name: string;
  /** The setting that chooses the address, named in bind errors: PORT, ADMIN_LISTEN. */
  setting: string;
  host: string;
  /** 0: any free port, or the port `samePortAs` got. */
  port: number;
  samePortAs?: string;
  handler: RequestListener;
  /** Makes the server around a request listener (options and limits are the caller's). */
  create(listener: RequestListener): Server;
}

interface Bound {
  spec: ListenerSpec;
  server: Server;
}

export class ListenerSet {
  private bound = new Map<string, Bound>();

  server(name: string): Server | undefined {
    return this.bound.get(name)?.server;
  }

  servers(): Server[] {
    return [...this.bound.values()].map((b) => b.server);
  }

  /**
   * Makes `specs` the listeners: new handlers everywhere, new sockets where the address changed or the
   * listener is new. Returns the servers that left (rebound or dropped), for the caller to drain.
   * Rejects, with every socket as it was, when a bind fails.
   */
  async apply(specs: readonly ListenerSpec[]): Promise<Server[]> {
    const next = new Map<string, Bound>();
    const kept = new Map<Bound, ListenerSpec>();
    const opened: Server[] = [];
    try {
      for (const spec of specs) {
        const old = this.bound.get(spec.name);
        if (old !== undefined && old.spec.host === spec.host && old.spec.port === spec.port) {
          next.set(spec.name, old);
          kept.set(old, spec);
          continue;
        }
        const entry: Bound = { spec, server: spec.create((req, res) => entry.spec.handler(req, res)) };
        opened.push(entry.server);
        const sibling = spec.port === 0 && spec.samePortAs !== undefined ? next.get(spec.samePortAs)?.server.address() : undefined;
        await listenFor(spec.setting, entry.server, typeof sibling === 'object' && sibling !== null ? sibling.port : spec.port, spec.host);
        next.set(spec.name, entry);
      }
    } catch (error) {
      for (const server of opened) server.close();
      throw error;
    }
    // Kept sockets switch to the new handlers only once every bind has succeeded.
    for (const [entry, spec] of kept) entry.spec = spec;
    const left = [...this.bound.values()].filter((old) => !kept.has(old)).map((old) => old.server);
    this.bound = next;
    return left;
  }
}
