// node:http hands whatever one socket read returns (up to 64 KB) to its parser in one go, and the parser
// builds a request, a response and a call of our handler for every request in it before anything else
// runs: a client pipelining 60-byte requests costs about a thousand of them per read, and as many abort
// errors when it leaves. Other callers' requests wait behind each such burst. Metering has a cost too
// (the bytes then take a trip through node's JavaScript stream), so a connection is read natively until
// one of its requests comes out of the same read as the one before, or before that one was answered:
// pipelining. That read is parsed whole; from the next one on, the connection and every other of its
// caller are metered, as is every later connection of that caller: one such read per caller.
// A metered connection's bytes reach the parser through here: a read of one slice or less passes straight
// through; more waits its turn: one slice per event-loop turn over all metered connections, so eight
// flooding connections cost no more at a time than one. A connection gets no turn while it has
// `maxUnanswered` requests waiting for an answer (the socket is paused, so TCP holds the client back), and
// none once its reading was stopped (see stopReading). The client's FIN reaches node:http after its last bytes.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { RecentSet } from '../core/recent-set.js';
import { readingStopped } from '../imds/node-http.js';

export interface MeteredReadingOptions {
  /** Bytes parsed per connection per event-loop turn once a read brings more. */
  sliceBytes: number;
  /** Unanswered requests per connection beyond which nothing more is parsed until one is answered. */
  maxUnanswered: number;
}

export const DEFAULT_METERED_READING: MeteredReadingOptions = { sliceBytes: 4096, maxUnanswered: 16 };

/** Callers (source addresses) remembered as pipelining; beyond this, those that pipelined longest ago are forgotten. */
const PIPELINING_CALLERS_REMEMBERED = 4096;

/** Callers that pipelined, whose connections are all metered, and the connections read natively. */
class CallerReading {
  private readonly pipelining = new RecentSet<string>(PIPELINING_CALLERS_REMEMBERED);
  private readonly native = new Map<string, Set<Meter>>();

  pipelined(caller: string): boolean {
    return this.pipelining.has(caller);
  }

  readsNatively(caller: string, meter: Meter): void {
    this.native.set(caller, (this.native.get(caller) ?? new Set<Meter>()).add(meter));
  }

  metered(caller: string, meter: Meter): void {
    const meters = this.native.get(caller);
    if (meters?.delete(meter) && meters.size === 0) this.native.delete(caller);
  }

  /** Its other connections read natively may be sending the same flood: metered before their next read. */
  startedPipelining(caller: string): void {
    this.pipelining.add(caller);
    for (const meter of this.native.get(caller) ?? []) meter.startMetering();
  }
}

const METER = Symbol('metadataproxy.meter');
type MeteredSocket = Socket & { [METER]?: Meter; _paused?: boolean };
type Listener = Parameters<Socket['removeListener']>[1];

/** node:http's own listeners of one connection, found by name: `bound socketOnData` and `bound socketOnEnd`. */
function nodeListener(socket: Socket, event: string, name: string): Listener | undefined {
  return socket.listeners(event).find((f) => f.name === `bound ${name}`) as Listener | undefined;
}

/** Connections with bytes waiting take turns: one slice per event-loop turn over all of them. */
class Turns {
  private readonly waiting: Meter[] = [];
  private scheduled = false;

  add(meter: Meter): void {
    if (meter.queued) return;
    meter.queued = true;
    this.waiting.push(meter);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.run());
  }

  private run(): void {
    this.scheduled = false;
    // A connection that cannot be fed now (blocked, stopped) gives its turn to the next one.
    for (let meter = this.waiting.shift(); meter !== undefined; meter = this.waiting.shift()) {
      meter.queued = false;
      if (meter.pump()) break;
    }
    if (this.waiting.length > 0) this.schedule();
  }
}

class Meter {
  private backlog: Buffer[] = [];
  private backlogBytes = 0;
  /** Waiting in Turns. */
  queued = false;
  private waitingForNode = false;
  /** The client's FIN: 0 not seen, 1 seen with bytes still to parse, 2 passed on. */
  private ended: 0 | 1 | 2 = 0;
  private unanswered = 0;
  /** The connection's byte count when its last request was parsed: the same at the next one is pipelining. */
  private readAtLastRequest = -1;
  /** node:http reads the socket itself and this meter sees only its requests. */
  native = true;

  constructor(
    private readonly socket: MeteredSocket,
    private readonly parse: (chunk: Buffer) => void,
    private readonly end: () => void,
    private readonly listen: () => void,
    private readonly caller: string,
    private readonly callers: CallerReading,
    private readonly options: MeteredReadingOptions,
    private readonly turns: Turns,
  ) {}

  /** node:http pauses a connection itself while its answers back up: it must not be fed then. */
  private blocked(): boolean {
    return this.unanswered >= this.options.maxUnanswered || this.socket._paused === true;
  }

  onData(chunk: Buffer): void {
    if (readingStopped(this.socket)) return;
    if (this.backlogBytes === 0 && chunk.length <= this.options.sliceBytes && !this.blocked()) return this.parse(chunk);
    this.backlog.push(chunk);
    this.backlogBytes += chunk.length;
    // node:http resumes the socket whenever an answer is written: read no more than a slice ahead.
    if (this.backlogBytes > this.options.sliceBytes) this.socket.pause();
    this.schedule();
  }

  onEnd(): void {
    this.ended = 1;
    if (this.backlogBytes === 0) this.forwardEnd();
  }

  /** node:http parsed a request of this connection, and the handler has seen it. */
  onRequest(res: ServerResponse): void {
    // Asked before this request counts as unanswered: a metered connection stays so, nothing to look for.
    if (this.native) this.watchForPipelining();
    if (!res.writableEnded) {
      this.unanswered++;
      res.once('close', () => this.answered());
    }
  }

  private watchForPipelining(): void {
    // Two requests out of one read: the second was sent before the first was answered.
    const read = this.socket.bytesRead;
    const pipelining = this.unanswered > 0 || read === this.readAtLastRequest;
    this.readAtLastRequest = read;
    // node:http still parses the rest of the read it is in; the next read comes through the meter.
    if (pipelining || readingStopped(this.socket)) this.callers.startedPipelining(this.caller);
  }

  /** An answer went out, or its client went: maybe there is room to parse more. */
  private answered(): void {
    this.unanswered--;
    if (!this.native && (this.backlogBytes > 0 || this.socket.isPaused())) this.schedule();
  }

  /** Reads the connection natively while its caller is not known to pipeline; meters it from then on. */
  start(): void {
    if (this.callers.pipelined(this.caller)) this.startMetering();
    else this.callers.readsNatively(this.caller, this);
  }

  startMetering(): void {
    if (!this.native) return;
    this.native = false;
    this.callers.metered(this.caller, this);
    this.listen();
  }

  /** The connection closed: nothing to read any more, natively or not. */
  closed(): void {
    this.native = false;
    this.callers.metered(this.caller, this);
  }

  private forwardEnd(): void {
    this.ended = 2;
    this.end();
  }

  private schedule(): void {
    this.turns.add(this);
  }

  /** This connection's turn: true when it parsed a slice. */
  pump(): boolean {
    if (readingStopped(this.socket) || this.socket.destroyed) {
      this.backlog = [];
      this.backlogBytes = 0;
      return false;
    }
    if (this.blocked()) {
      this.socket.pause();
      if (this.socket._paused === true && !this.waitingForNode) {
        this.waitingForNode = true;
        this.socket.once('resume', () => {
          this.waitingForNode = false;
          this.schedule();
        });
      }
      return false;
    }
    const parsed = this.backlogBytes > 0;
    if (parsed) this.parse(this.take(this.options.sliceBytes));
    if (this.backlogBytes > 0) this.schedule();
    else if (this.ended === 1) this.forwardEnd();
    else if (this.ended === 0 && !this.blocked() && !readingStopped(this.socket)) this.socket.resume();
    return parsed;
  }

  private take(bytes: number): Buffer {
    const first = this.backlog[0]!;
    if (first.length > bytes) {
      this.backlog[0] = first.subarray(bytes);
      this.backlogBytes -= bytes;
      return first.subarray(0, bytes);
    }
    this.backlog.shift();
    this.backlogBytes -= first.length;
    return first;
  }
}

/**
 * Meters the connections of `server` (a node:http server) whose callers pipeline. A connection whose
 * listeners are not laid out as node:http lays them out is left as it is.
 */
export function meterReading(server: Server, options: MeteredReadingOptions = DEFAULT_METERED_READING): void {
  const turns = new Turns();
  const callers = new CallerReading();
  // Runs after node:http's own connection listener, which the server registered when it was created.
  server.on('connection', (socket: MeteredSocket) => {
    const parse = nodeListener(socket, 'data', 'socketOnData');
    const end = nodeListener(socket, 'end', 'socketOnEnd');
    if (parse === undefined || end === undefined) return;
    const onData = (chunk: Buffer) => meter.onData(chunk);
    // node:http stops reading the socket natively once 'data' has a listener other than its own.
    const listen = () => {
      socket.removeListener('data', parse);
      socket.on('data', onData);
    };
    const meter = new Meter(socket, parse as (chunk: Buffer) => void, end as () => void, listen, socket.remoteAddress ?? '', callers, options, turns);
    socket[METER] = meter;
    socket.removeListener('end', end);
    socket.on('end', () => meter.onEnd());
    socket.once('close', () => meter.closed());
    meter.start();
  });
  // Runs after the request listener, so an answer written synchronously (a warm credential) is already out.
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    (req.socket as MeteredSocket)[METER]?.onRequest(res);
  });
}

/** True while node:http reads this connection natively (neither it nor its caller's others pipelined). */
export function readsNatively(socket: Socket): boolean {
  return (socket as MeteredSocket)[METER]?.native === true;
}
