// A way into an engine's API whose event stream arrives late: every byte of an `/events` answer is held
// back `delayMs`; everything else passes at once. It stands for a busy engine (Podman 4.3 already delivers
// its events up to a poll interval after `podman rm` has returned), so a test of address reuse does not
// depend on whether a container start beats that lag on the machine it runs on.
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

export class LateEvents {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(engineSocket: string, socketPath: string, delayMs: number): Promise<LateEvents> {
    let relay: LateEvents | undefined;
    const server = createServer((client) => relay?.pipe(client, engineSocket, delayMs));
    server.listen(socketPath);
    await once(server, 'listening');
    relay = new LateEvents(server, `unix://${socketPath}`);
    return relay;
  }

  close(): void {
    this.server.close();
    for (const socket of this.sockets) socket.destroy();
  }

  private pipe(client: Socket, engineSocket: string, delayMs: number): void {
    const engine = createConnection(engineSocket);
    for (const socket of [client, engine]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    }
    // Decided per request: a kept-alive connection may carry a list call first and the event stream next.
    let late = false;
    client.on('data', (chunk: Buffer) => {
      const head = chunk.toString('latin1', 0, 256);
      if (/^[A-Z]+ \//.test(head)) late = /^[A-Z]+ \S*\/events[?\s]/.test(head);
      engine.write(chunk);
    });
    // Timers of equal length fire in the order they were set: the stream keeps its order.
    engine.on('data', (chunk: Buffer) => (late ? setTimeout(() => client.write(chunk), delayMs) : client.write(chunk)));
    engine.on('close', () => (late ? setTimeout(() => client.destroy(), delayMs) : client.destroy()));
    client.on('close', () => engine.destroy());
    engine.on('error', () => client.destroy());
    client.on('error', () => engine.destroy());
  }
}
