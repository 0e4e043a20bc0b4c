/** The gateway's TCP server: each accepted socket becomes a device connection. */
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';

export interface TcpOptions {
  host: string;
  port: number;
  log: Logger;
  accept: (socket: Socket, peer: string) => void;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

export class TcpListener {
  #server?: Server;

  constructor(private readonly opts: TcpOptions) {}

  /** The port listened on (after start; useful with port 0). */
  get port(): number | undefined {
    const address = this.#server?.address();
    return address && typeof address === 'object' ? address.port : undefined;
  }

  async start(): Promise<void> {
    const { host, port, log, accept } = this.opts;
    const server = createServer({ noDelay: true }, (socket) => {
      socket.setNoDelay(true);
      accept(socket, `tcp ${socket.remoteAddress}:${socket.remotePort}`);
    });
    server.on('error', (err) => log.error(`gateway: TCP server: ${err.message}`));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => (server.off('error', reject), resolve()));
    }).catch((err: Error) => {
      throw new Error(`gateway: cannot listen on ${host}:${port} (gateway.tcp in hanode.yaml): ${err.message}`);
    });
    this.#server = server;
    if (!LOOPBACK.test(host)) {
      log.warn(`gateway: listening on ${host}:${this.port}, beyond this machine; the line protocol has no password, only the allow-list and pairing`);
    } else log.info(`gateway: listening on ${host}:${this.port}`);
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
