/**
 * The gateway for micro devices (README "Gateway for micro devices"), as one service of the node:
 * a TCP server and serial ports feed device connections into the {@link Hub}, `expose` turns
 * scheme states into variables, and `drive` turns variable changes into output commands, exactly
 * as a `/set` with the variable's value would.
 */
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { EventBus } from '../core/bus.js';
import type { Reading } from '../core/driver.js';
import type { Service } from '../core/service.js';
import { parseSetPayload } from '../core/set-payload.js';
import type { GatewayConfig } from './config.js';
import { Connection } from './connection.js';
import { Hub, type GatewayLink } from './hub.js';
import { Pairing } from './pairing.js';
import { SerialLine } from './serial.js';
import { TcpListener } from './tcp.js';

export interface GatewayContext {
  config: GatewayConfig;
  base: string;
  node: string;
  link: GatewayLink;
  bus: EventBus;
  log: Logger;
  /** The data directory: the paired IDs are kept there. */
  dataDir: string;
  /** An output command, as the mediator gives one for `/set`. */
  command: (output: string, command: Record<string, unknown>) => Promise<Reading>;
  /** Serial reopen backoff in ms (tests shorten it). */
  serialBackoff?: { min: number; max: number };
}

/** What `$info`, health and `hanode fleet` show of the gateway. */
export interface GatewayStatus {
  tcp?: { host: string; port?: number };
  serial: { path: string; open: boolean }[];
  connections: number;
  devices: { id: string; via: string; since: string }[];
  pairing_until?: string;
}

export class GatewayService implements Service {
  readonly name = 'gateway';
  readonly #log: Logger;
  #hub?: Hub;
  #pairing?: Pairing;
  #tcp?: TcpListener;
  #serial: SerialLine[] = [];

  constructor(private readonly ctx: GatewayContext) {
    this.#log = ctx.log.child({ service: 'gateway' });
  }

  async start(): Promise<void> {
    const { config, base, node, link, bus } = this.ctx;
    const pairing = (this.#pairing = new Pairing({ file: join(this.ctx.dataDir, 'gateway-paired.json'), allow: config.allow }));
    await pairing.load();
    const hub = (this.#hub = new Hub({
      base,
      node,
      link,
      pairing,
      log: this.#log,
      limits: { devices: config.limits.devices, subscriptions: config.limits.subscriptions, variables: config.limits.variables, cached: 10_000 },
      onVariable: (name, value, live) => live && this.#drive(name, value),
      onDevices: () => bus.emit('gatewayDevices', { devices: [...hub.devices.keys()] }),
    }));
    hub.start();
    bus.on('state', this, ({ id, state }) => this.#expose(id, state));
    const button = config.pair_button;
    if (button) {
      bus.on('event', this, ({ id, event }) => {
        if (id === button.from && event === button.event) this.pair(button.for, `${button.event} on ${id}`);
      });
    }
    if (config.tcp) {
      this.#tcp = new TcpListener({ ...config.tcp, log: this.#log, accept: (socket, peer) => this.#accept(socket, peer) });
      await this.#tcp.start();
    }
    for (const s of config.serial) {
      const line = new SerialLine({ ...s, log: this.#log, backoff: this.ctx.serialBackoff, accept: (stream, peer, release) => this.#accept(stream, peer, release) });
      this.#serial.push(line);
      await line.start();
    }
  }

  async stop(): Promise<void> {
    this.ctx.bus.off(this);
    await this.#hub?.stop();
    await this.#tcp?.stop();
    await Promise.all(this.#serial.map((s) => s.stop()));
    this.#serial = [];
  }

  /** Opens a pairing window (`$request/pair {"for":"2m"}`, or the pairing button); returns when it closes. */
  pair(ms: number, why = '$request/pair'): { until: string } {
    if (!this.#pairing) throw new Error('the gateway has not started');
    const until = this.#pairing.open(ms).toISOString();
    this.#log.info(`pairing open until ${until} (${why}): unknown device IDs are accepted and remembered`);
    return { until };
  }

  /** The TCP port listened on (after start). */
  get port(): number | undefined {
    return this.#tcp?.port;
  }

  status(): GatewayStatus {
    const { config } = this.ctx;
    return {
      ...(config.tcp ? { tcp: { host: config.tcp.host, port: this.port ?? config.tcp.port } } : {}),
      serial: this.#serial.map((s) => ({ path: s.path, open: s.open })),
      connections: this.#hub?.connectionCount ?? 0,
      devices: [...(this.#hub?.devices ?? new Map()).values()].map((c: Connection) => ({ id: c.id!, via: c.peer, since: c.since.toISOString() })),
      ...(this.#pairing?.openUntil ? { pairing_until: this.#pairing.openUntil.toISOString() } : {}),
    };
  }

  #accept(stream: Duplex, peer: string, release?: () => void): void {
    const { keepalive, limits } = this.ctx.config;
    this.#hub!.attach(new Connection({ stream, peer, owner: this.#hub!, log: this.#log, keepaliveMs: keepalive, writeQueueBytes: limits.write_queue, release }));
  }

  #expose(id: string, state: Reading): void {
    for (const e of this.ctx.config.expose) {
      if (e.from !== id || !(e.field in state)) continue;
      const raw = (state as Record<string, unknown>)[e.field];
      const value = typeof raw === 'string' ? raw : JSON.stringify(raw);
      if (this.#hub!.value(e.variable) !== value) this.#hub!.write(e.variable, value, this.ctx.node);
    }
  }

  #drive(name: string, value: string): void {
    for (const d of this.ctx.config.drive) {
      if (d.variable !== name) continue;
      const topic = `${this.ctx.base}/$vars/${name}`;
      const parsed = parseSetPayload(value);
      if (!parsed.ok) {
        this.ctx.bus.emit('error', { topic, error: `cannot drive ${d.output}: ${parsed.error}` });
        continue;
      }
      this.ctx.command(d.output, parsed.command).catch((err: Error) => this.ctx.bus.emit('error', { topic, error: `cannot drive ${d.output}: ${err.message}` }));
    }
  }
}
