// node:http hands whatever one socket read returns (up to 64 KB) to its parser in one go, and the parser
// builds a request, a response and a call of our handler for every request in it before anything else
// runs: a client pipelining 60-byte requests costs about a thousand of them per read, and as many abort
// errors when it leaves. Other callers' requests wait behind each such burst. So each connection's bytes
// reach the parser through here: a read of one slice or less (what IMDS clients send) passes straight
// through; more waits its turn: one slice per event-loop turn over all such connections, so eight
// flooding connections cost no more at a time than one. A connection gets no turn while it has
// `maxUnanswered` requests waiting for an answer (the socket is paused, so TCP holds the client back), and
// none once its reading was stopped (see stopReading). The client's FIN reaches node:http after its last bytes.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { readingStopped } from '../imds/node-http.js';

export interface MeteredReadingOptions {
  /** Bytes parsed per connection per event-loop turn once a read brings more. */
  sliceBytes: number;
  /** Unanswered requests per connection beyond which nothing more is parsed until one is answered. */
  maxUnanswered: number;
}

export const DEFAULT_METERED_READING: MeteredReadingOptions = { sliceBytes: 4096, maxUnanswered: 16 };

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
  unanswered = 0;

  constructor(
    private readonly socket: MeteredSocket,
    private readonly parse: (chunk: Buffer) => void,
    private readonly end: () => void,
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

  /** An answer went out, or its client went: maybe there is room to parse more. */
  answered(): void {
    this.unanswered--;
    if (this.backlogBytes > 0 || this.socket.isPaused()) this.schedule();
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
 * Meters every connection of `server` (a node:http server). A connection whose listeners are not laid out as
 * node:http lays them out is left as it is.
 */
export function meterReading(server: Server, options: MeteredReadingOptions = DEFAULT_METERED_READING): void {
  const turns = new Turns();
  // Runs after node:http's own connection listener, which the server registered when it was created.
  server.on('connection', (socket: MeteredSocket) => {
    const parse = nodeListener(socket, 'data', 'socketOnData');
    const end = nodeListener(socket, 'end', 'socketOnEnd');
    if (parse === undefined || end === undefined) return;
    const meter = new Meter(socket, parse as (chunk: Buffer) => void, end as () => void, options, turns);
    socket[METER] = meter;
    socket.removeListener('data', parse);
    socket.removeListener('end', end);
    // Listening for 'data' makes node:http stop reading the socket natively and take the bytes from us.
    socket.on('data', (chunk: Buffer) => meter.onData(chunk));
    socket.on('end', () => meter.onEnd());
  });
  // Runs after the request listener: an answer written synchronously (a warm credential) costs nothing here.
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const meter = (req.socket as MeteredSocket)[METER];
    if (meter === undefined || res.writableEnded) return;
    meter.unanswered++;
    res.once('close', () => meter.answered());
  });
}
