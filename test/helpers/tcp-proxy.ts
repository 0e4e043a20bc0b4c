/**
 * A TCP proxy in front of a broker that a test can freeze: while frozen, bytes in both directions
 * are swallowed, so publishes in flight never reach the broker and no PUBACK comes back. Killing a
 * client then loses whatever only it had, which is what a crash test needs to see.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export class TcpProxy {
  #frozen = false;
  readonly #sockets = new Set<Socket>();

  private constructor(
    readonly server: Server,
    readonly port: number,
  ) {}

  /** Listens on a free loopback port and forwards each connection to `127.0.0.1:targetPort`. */
  static async start(targetPort: number): Promise<TcpProxy> {
    let proxy!: TcpProxy;
    const server = createServer((client) => proxy.#pair(client, targetPort));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new TcpProxy(server, (server.address() as { port: number }).port);
    return proxy;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** From now on, nothing passes in either direction on any connection. */
  freeze(): void {
    this.#frozen = true;
  }

  /** Ends the connections that were frozen, and lets new traffic through again. */
  thaw(): void {
    for (const s of this.#sockets) s.destroy();
    this.#frozen = false;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  #pair(client: Socket, targetPort: number): void {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.#sockets.add(from);
      from.setNoDelay(true);
      from.on('data', (d) => void (this.#frozen || to.write(d)));
      from.on('error', () => to.destroy());
      from.on('close', () => {
        this.#sockets.delete(from);
        to.destroy();
      });
    }
  }
}
