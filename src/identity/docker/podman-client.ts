// Rootful Podman's Docker-compatible API (`podman system service`) as the Docker source expects the Docker
// engine to speak, so one source serves both. List and inspect answer alike; the event stream differs,
// found by running Podman 4.3:
// - a removed container's event is `remove` (Docker: `destroy`);
// - `init` comes once the container's network is set up, before its process runs: like Docker's `create`,
//   a moment to read the container (it is not running yet) ahead of its `start`;
// - network connect/disconnect events name the container as the actor and leave the network out (Docker
//   names the network as the actor and the container in Attributes.container). They are passed on as the
//   container's `update` (read it again); a disconnect, which does not say which address went, first as
//   its `die`: all its addresses are dropped at once, and the inspect indexes again those it still has.
import { Transform, pipeline } from 'node:stream';
import type { GetEventsOptions } from 'dockerode';
import type { DockerClient } from './docker-source.js';

interface EventJson {
  Type?: unknown;
  Action?: unknown;
  status?: unknown;
  Actor?: { ID?: unknown; Attributes?: Record<string, unknown> | null } | null;
  [field: string]: unknown;
}

/** Docker's event names asked for → Podman's. */
const ASKED: Readonly<Record<string, readonly string[]>> = { destroy: ['remove'], create: ['create', 'init'] };
/** Podman's container actions → Docker's. */
const CONTAINER_ACTIONS: Readonly<Record<string, string>> = { remove: 'destroy', init: 'create' };

export function podmanCompatClient(podman: DockerClient): DockerClient {
  return {
    listContainers: podman.listContainers.bind(podman),
    listNetworks: podman.listNetworks.bind(podman),
    getContainer: podman.getContainer.bind(podman),
    getNetwork: podman.getNetwork.bind(podman),
    getEvents: (async (options: GetEventsOptions = {}) => {
      const events = await podman.getEvents(podmanFilters(options));
      return pipeline(events, dockerEventLines(), () => {});
    }) as DockerClient['getEvents'],
  };
}

function podmanFilters(options: GetEventsOptions): GetEventsOptions {
  const filters = options.filters as Record<string, string[]> | undefined;
  if (filters?.event === undefined) return options;
  return { ...options, filters: { ...filters, event: [...new Set(filters.event.flatMap((event) => ASKED[event] ?? [event]))] } };
}

/** Rewrites each JSON line of Podman's event stream into the event(s) Docker would have sent. */
function dockerEventLines(): Transform {
  let partial = '';
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      done(null, lines.map(translateLine).join(''));
    },
    flush(done) {
      done(null, partial === '' ? '' : translateLine(partial));
    },
  });
}

function translateLine(line: string): string {
  if (line.trim() === '') return '';
  let event: EventJson;
  try {
    event = JSON.parse(line) as EventJson;
  } catch {
    return `${line}\n`; // the Docker source says what it cannot read
  }
  return dockerEvents(event).map((translated) => `${JSON.stringify(translated)}\n`).join('');
}

export function dockerEvents(event: EventJson): EventJson[] {
  const action = typeof event.Action === 'string' ? event.Action : '';
  const id = event.Actor?.ID;
  if (event.Type === 'container' && action in CONTAINER_ACTIONS) {
    const renamed = CONTAINER_ACTIONS[action]!;
    return [{ ...event, Action: renamed, status: renamed }];
  }
  if (event.Type === 'network' && typeof id === 'string' && (action === 'connect' || action === 'disconnect')) {
    // As a container event about the actor: `update` has the Docker source read the container again.
    const container: EventJson = { ...event, Type: 'container', Action: 'update', status: 'update' };
    return action === 'connect' ? [container] : [{ ...container, Action: 'die', status: 'die' }, container];
  }
  return [event];
}
