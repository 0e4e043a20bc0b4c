/**
 * The node's one MQTT connection: connect with a last will, reconnect with backoff,
 * re-subscribe after every reconnect, and dispatch messages to the handlers that asked.
 */
import { connect, type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { performance } from 'node:perf_hooks';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { topicMatches } from './topic-match.js';
import { hideCredentials } from '../core/redact.js';

/** Where and how to connect; can be given at construction or, once known, to {@link MqttLink.start}. */
export interface LinkEndpoint {
  url: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** MQTT 5 by default (for retain-as-published); falls back to 3.1.1 when the broker refuses 5. */
  protocolVersion?: 4 | 5;
}

export interface LinkOptions extends Partial<LinkEndpoint> {
  clientId: string;
  username?: string;
  password?: string;
  keepalive?: number;
  will: { topic: string; payload: string; retain: boolean; qos: 0 | 1 | 2 };
  log: Logger;
  /** Backoff bounds for reconnects, in ms. */
  backoff?: { min: number; max: number };
}

/** Called for every message received and every message the broker has taken; must not throw. */
export interface LinkHooks {
  received(topic: string, payload: Buffer): void;
  sent(topic: string, payload: Buffer): void;
}

export type MessageHandler = (topic: string, payload: Buffer, packet: IPublishPacket) => void;

export interface LinkStats {
  connected: boolean;
  connects: number;
  reconnects: number;
  lastError?: string;
  connectedSince?: string;
  /** Times another client connected with this client id and the broker dropped this one. */
  takeovers: number;
  /** The wait before the next reconnect attempt, in ms. */
  retryMs?: number;
}

/** mqtt.js's trace function, when nobody asked for its traces. */
const ignore = (): void => {};

/**
 * mqtt.js would otherwise build, at its first packet, a table of 65,536 two-byte Buffers for
 * packet ids: a heap snapshot of an agent with 50 schemes showed it as the largest single item
 * (6 MiB of Buffers, about a quarter of the heap). Making the two bytes when needed costs nothing
 * measurable at a node's message rates.
 */
export const NO_NUMBER_CACHE = false;

/** MQTT 5 DISCONNECT reason code: another connection with the same client id took the session. */
const SESSION_TAKEN_OVER = 0x8e;
/** After a takeover: wait 5 s, doubling up to 5 min, while the other client keeps taking over. */
const TAKEOVER_BACKOFF = { min: 5_000, max: 300_000 };
/** A 3.1.1 broker just closes the socket: this many connections in a row dropped within {@link SHORT_LIVED_MS} look like a takeover. */
const SHORT_LIVED_IN_A_ROW = 3;
const SHORT_LIVED_MS = 2_000;
/** A connection that lasts this long ends a streak of takeovers. */
const SETTLED_MS = 60_000;

export class MqttLink {
  #client?: MqttClient;
  readonly #handlers: { filter: string; qos: 0 | 1 | 2; rap: boolean; nl: boolean; fn: MessageHandler }[] = [];
  /**
   * One MQTT 5 subscription identifier per filter. A broker delivers one copy of a message per
   * matching subscription, each tagged with its identifier, so every copy goes only to the handlers
   * of the filters it names, and overlapping filters never run a handler twice.
   */
  readonly #subscriptionIds = new Map<string, number>();
  readonly #onConnect: (() => void)[] = [];
  readonly #onTakeover: ((info: { clientId: string; retryMs: number }) => void)[] = [];
  #stats: LinkStats = { connected: false, connects: 0, reconnects: 0, takeovers: 0 };
  #connectedAt?: number;
  #shortLived = 0;
  #takeoverStreak = 0;
  #takenOver = false;
  #hooks?: LinkHooks;

  constructor(private opts: LinkOptions) {}

  /** Sets the message hooks (plugins' onMessageReceived / onMessageSent). */
  setHooks(hooks: LinkHooks | undefined): void {
    this.#hooks = hooks;
  }

  /** The broker URL in use, once known. */
  get url(): string | undefined {
    return this.opts.url;
  }

  get connected(): boolean {
    return this.#client?.connected ?? false;
  }

  get stats(): LinkStats {
    return { ...this.#stats, connected: this.connected };
  }

  /**
   * Connects (to `endpoint` when given, else to the URL given at construction); resolves at the
   * first CONNACK, or at the first attempt that fails (nothing listening, refused), or after
   * `waitMs`, and keeps trying in the background. Publishes made meanwhile wait in memory, and
   * the outbox keeps readings, so nothing waits for the broker.
   */
  async start(endpoint?: LinkEndpoint, waitMs = 5_000): Promise<void> {
    if (endpoint) this.opts = { ...this.opts, ...endpoint };
    const url = this.opts.url;
    if (!url) throw new Error('MQTT: no broker URL to connect to');
    const { min } = this.opts.backoff ?? { min: 500, max: 30_000 };
    const options: IClientOptions = {
      clientId: this.opts.clientId,
      username: this.opts.username,
      password: this.opts.password,
      ca: this.opts.ca,
      cert: this.opts.cert,
      key: this.opts.key,
      keepalive: this.opts.keepalive ?? 30,
      clean: true,
      protocolVersion: this.opts.protocolVersion ?? 5,
      // We re-subscribe ourselves on every connect, so mqtt.js must not do it a second time.
      resubscribe: false,
      reconnectPeriod: min,
      // Keep trying after a refused CONNACK too: the MQTT 5 → 3.1.1 fallback needs it, and a
      // node whose credentials are fixed on the broker later should come back by itself.
      reconnectOnConnackError: true,
      connectTimeout: 10_000,
      will: { ...this.opts.will, payload: Buffer.from(this.opts.will.payload) },
      writeCache: NO_NUMBER_CACHE,
      // Every publish would otherwise replace the keepalive timer (1,000 readings a second: 1,000
      // timers made and dropped); a ping every `keepalive` seconds whatever was sent costs nothing.
      reschedulePings: false,
      // mqtt.js traces each packet through the `debug` package, which builds an argument list per
      // call even when it prints nothing; hanode logs what matters itself. DEBUG=mqttjs* still works.
      ...(process.env.DEBUG ? {} : { log: ignore }),
    };
    const client = connect(url, options);
    this.#client = client;
    let fallingBack = false;
    client.on('connect', () => this.#connected());
    client.on('close', () => this.#closed());
    client.on('disconnect', (packet) => this.#disconnected(packet.reasonCode));
    client.on('error', (err) => {
      this.#stats.lastError = err.message;
      if (client.options.protocolVersion === 5 && /protocol version/i.test(err.message)) {
        this.opts.log.info('MQTT: the broker does not speak MQTT 5; using 3.1.1');
        client.options.protocolVersion = 4;
        fallingBack = true;
        return;
      }
      this.opts.log.warn(`MQTT: ${err.message}`);
    });
    client.on('message', (topic, payload, packet) => this.#dispatch(topic, payload, packet));
    await new Promise<void>((resolve) => {
      const done = (why?: string) => {
        clearTimeout(timer);
        client.off('connect', onConnect);
        client.off('close', onClose);
        if (why) this.opts.log.warn(`MQTT: ${why} from ${redact(url)}; carrying on and retrying in the background`);
        resolve();
      };
      const onConnect = () => done();
      // A failed attempt (nothing listening, refused) says the broker is away: start without it.
      // The MQTT 5 → 3.1.1 fallback also closes once, and is only a retry.
      const onClose = () => (fallingBack ? (fallingBack = false) : done('no answer'));
      const timer = setTimeout(() => done(`no answer after ${waitMs} ms`), waitMs);
      client.on('connect', onConnect);
      client.on('close', onClose);
    });
  }

  /** Runs `fn` when another client with this client id took the connection over (two nodes sharing an id). */
  onTakeover(fn: (info: { clientId: string; retryMs: number }) => void): void {
    this.#onTakeover.push(fn);
  }

  /** Runs `fn` after every (re)connect, before queued publishes matter; e.g. to publish `online`. */
  onConnect(fn: () => void): void {
    this.#onConnect.push(fn);
  }

  /**
   * Subscribes now (if connected) and after every reconnect. `rap` asks for MQTT 5's
   * retain-as-published, so a handler can tell a retained message from a live one; `nl` for its
   * no-local, so the broker does not send back what this client publishes there (both are
   * ignored on an MQTT 3.1.1 connection).
   */
  subscribe(filter: string, fn: MessageHandler, opts: { qos?: 0 | 1 | 2; rap?: boolean; nl?: boolean } = {}): void {
    const h = { filter, qos: opts.qos ?? 1, rap: opts.rap ?? false, nl: opts.nl ?? false, fn };
    this.#handlers.push(h);
    if (!this.#subscriptionIds.has(filter)) this.#subscriptionIds.set(filter, this.#subscriptionIds.size + 1);
    if (this.connected) this.#subscribeOne(h);
  }

  /** Removes the handler `fn` from every filter it was subscribed with; unsubscribes filters left without one. */
  unsubscribe(fn: MessageHandler): void {
    const gone = this.#handlers.filter((h) => h.fn === fn);
    if (gone.length === 0) return;
    for (const h of gone) this.#handlers.splice(this.#handlers.indexOf(h), 1);
    const unused = [...new Set(gone.map((h) => h.filter))].filter((f) => !this.#handlers.some((h) => h.filter === f));
    if (unused.length && this.connected) this.#client!.unsubscribe(unused);
  }

  /** Resolves when the broker has the message (PUBACK for QoS 1); queued in memory while offline. */
  publish(topic: string, payload: string | Buffer, opts: { qos: 0 | 1 | 2; retain: boolean }): Promise<void> {
    return new Promise((resolve, reject) => this.send(topic, payload, opts, (err) => (err ? reject(err) : resolve())));
  }

  /** {@link publish} with a callback instead of a promise, for the thousand readings a second of the live lane. */
  send(topic: string, payload: string | Buffer, opts: { qos: 0 | 1 | 2; retain: boolean }, done: (err?: Error) => void): void {
    const client = this.#client;
    if (!client) return done(new Error('MQTT link not started'));
    client.publish(topic, payload, opts, (err) => {
      if (err) return done(err);
      done();
      this.#hooks?.sent(topic, typeof payload === 'string' ? Buffer.from(payload) : payload);
    });
  }

  /** Publishes `last` (e.g. status offline) if connected, then disconnects cleanly. */
  async stop(last?: { topic: string; payload: string }): Promise<void> {
    const client = this.#client;
    if (!client) return;
    if (last && client.connected) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.publish(last.topic, last.payload, { qos: 1, retain: true }).catch(() => {}),
        new Promise((r) => (timer = setTimeout(r, 2_000))),
      ]);
      clearTimeout(timer);
    }
    await new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
    this.#client = undefined;
  }

  #connected(): void {
    const client = this.#client!;
    (client.stream as Socket | undefined)?.setNoDelay?.(true); // Nagle turns loopback QoS 1 round trips from <1 ms into 40–90 ms.
    this.#stats.connects++;
    if (this.#stats.connects > 1) this.#stats.reconnects++;
    this.#stats.connectedSince = new Date().toISOString();
    this.#connectedAt = performance.now();
    client.options.reconnectPeriod = (this.opts.backoff ?? { min: 500 }).min;
    this.opts.log.info(`MQTT: connected to ${redact(this.opts.url ?? '')}${this.#stats.connects > 1 ? ' again' : ''}`);
    for (const h of this.#handlers) this.#subscribeOne(h);
    for (const fn of this.#onConnect) fn();
  }

  #closed(): void {
    const client = this.#client;
    if (!client || client.disconnecting) return;
    const lasted = this.#connectedAt === undefined ? undefined : performance.now() - this.#connectedAt;
    this.#connectedAt = undefined;
    if (lasted !== undefined && lasted >= SETTLED_MS) this.#takeoverStreak = 0;
    if (lasted !== undefined) this.#shortLived = lasted < SHORT_LIVED_MS ? this.#shortLived + 1 : 0;
    const takenOver = this.#takenOver || this.#shortLived >= SHORT_LIVED_IN_A_ROW;
    this.#takenOver = false;
    this.#stats.connectedSince = undefined;
    if (takenOver) return this.#takeover(client);
    const { min, max } = this.opts.backoff ?? { min: 500, max: 30_000 };
    const next = Math.min(max, Math.max(min, (client.options.reconnectPeriod ?? min) * 2));
    if (lasted !== undefined) this.opts.log.warn(`MQTT: connection to ${redact(this.opts.url ?? '')} lost; retrying in ${client.options.reconnectPeriod} ms`);
    client.options.reconnectPeriod = next;
    this.#stats.retryMs = client.options.reconnectPeriod;
  }

  #disconnected(reasonCode: number | undefined): void {
    if (reasonCode === SESSION_TAKEN_OVER) this.#takenOver = true;
  }

  /** Another client has this client id: say so plainly, and back off instead of taking the session back at once. */
  #takeover(client: MqttClient): void {
    this.#shortLived = 0;
    this.#stats.takeovers++;
    const base = Math.min(TAKEOVER_BACKOFF.max, TAKEOVER_BACKOFF.min * 2 ** this.#takeoverStreak);
    this.#takeoverStreak++;
    const retryMs = Math.round(base * (0.8 + 0.4 * Math.random()));
    client.options.reconnectPeriod = retryMs;
    this.#stats.retryMs = retryMs;
    const clientId = this.opts.clientId;
    this.opts.log.error(
      `MQTT: another client connected as '${clientId}' and the broker dropped this one; two nodes probably share one node id ` +
        `(give each its own node.id in hanode.yaml, e.g. its hostname); backing off ${Math.round(retryMs / 1000)} s before connecting again`,
    );
    for (const fn of this.#onTakeover) fn({ clientId, retryMs });
  }

  #subscribeOne(h: { filter: string; qos: 0 | 1 | 2; rap: boolean; nl: boolean }): void {
    const client = this.#client!;
    const v5 = client.options.protocolVersion === 5;
    const properties = v5 ? { subscriptionIdentifier: this.#subscriptionIds.get(h.filter)! } : undefined;
    client.subscribe(h.filter, { qos: h.qos, rap: h.rap, nl: h.nl, ...(properties ? { properties } : {}) });
  }

  /** With overlapping filters the broker sends a copy per subscription: the hooks see only the one for the lowest identifier. */
  #firstCopy(topic: string, ids: Set<number> | undefined): boolean {
    if (!ids) return true;
    let first = Infinity;
    for (const [filter, id] of this.#subscriptionIds) if (id < first && topicMatches(filter, topic) && this.#handlers.some((h) => h.filter === filter)) first = id;
    return first === Infinity || ids.has(first);
  }

  #dispatch(topic: string, payload: Buffer, packet: IPublishPacket): void {
    const tagged = packet.properties?.subscriptionIdentifier;
    const ids = tagged === undefined ? undefined : new Set(Array.isArray(tagged) ? tagged : [tagged]);
    if (this.#hooks && this.#firstCopy(topic, ids)) this.#hooks.received(topic, payload);
    for (const h of this.#handlers) {
      if (ids && !ids.has(this.#subscriptionIds.get(h.filter)!)) continue;
      if (!topicMatches(h.filter, topic)) continue;
      try {
        h.fn(topic, payload, packet);
      } catch (err) {
        this.opts.log.error({ err }, `handler for ${topic} failed`);
      }
    }
  }
}

/** The URL without its password, for logs. */
export const redact = hideCredentials;
