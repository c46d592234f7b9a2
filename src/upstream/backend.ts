// What answers the requests the proxy does not answer itself: the real IMDS (passthrough) or the mock tree.
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface MetadataBackend {
  /** Answer a request the proxy does not answer itself. `path` is already normalized (starts with '/'), `query` is the raw query string without '?', possibly ''. */
  handle(req: IncomingMessage, res: ServerResponse, path: string, query: string): Promise<void>;
  close(): Promise<void>;
}
