/** The embedded broker (aedes), started when no broker answers on the configured port. */
import { createServer, type Server } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { Aedes } from 'aedes';
import type { Logger } from 'pino';

export interface EmbeddedBroker {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  log: Logger;
  /** When set, every client must give these. */
  credentials?: { username: string; password: string };
}

/** Constant-time comparison, so a wrong password's timing says nothing of the right one. */
function same(given: Buffer | string | undefined, wanted: string): boolean {
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(wanted);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startEmbeddedBroker(opts: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker();
  const { credentials } = opts;
  if (credentials) {
    broker.authenticate = (client, username, password, done) => {
      const ok = same(username, credentials.username) && same(password, credentials.password);
      if (!ok) opts.log.warn(`embedded broker: refused client '${client.id}': wrong user name or password`);
      done(null, ok);
    };
  }
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.setNoDelay(true);
    const client = broker.handle(socket) as unknown as { id?: string; _parser: import('node:events').EventEmitter };
    // hanode's own connections get MQTT 5's retain-as-published on MQTT 3.1.1, so a retained
    // command published while the agent is subscribed is still seen as retained (and ignored).
    client._parser.prependListener('packet', (packet: { cmd: string; subscriptions?: { rap?: boolean }[] }) => {
      if (packet.cmd === 'subscribe' && client.id?.startsWith('hanode-')) for (const sub of packet.subscriptions ?? []) sub.rap = true;
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  broker.on('clientError', (client, err) => opts.log.debug(`embedded broker: client ${client?.id}: ${err.message}`));
  return {
    url: `mqtt://${opts.host}:${port}`,
    port,
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
