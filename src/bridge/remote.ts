/**
 * A bridge's own connection to a remote broker, apart from the node's local link, so a remote
 * that hangs can never hold up local traffic. mqtt.js reconnects with a doubling backoff; QoS 1
 * publishes in flight when the connection drops are sent again, first, after it comes back.
 *
 * Credentials may be a function: it is asked again before every connection attempt, which is
 * how a SAS token stays fresh. `renew()` reconnects on purpose to pick up new credentials.
 */
import { NO_NUMBER_CACHE } from '../mqtt/link.js';
import { connect, type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { hideCredentials } from '../core/redact.js';

export interface RemoteOptions {
  url: string;
  clientId: string;
  username?: string;
  /** A function is called before every connection attempt (fresh tokens). */
  password?: string | (() => string);
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** 5 falls back to 4 (3.1.1) when the remote refuses it. */
  protocolVersion: 4 | 5;
  keepalive: number;
  backoff?: { min: number; max: number };
  log: Logger;
}

export type RemoteHandler = (topic: string, payload: Buffer, packet: IPublishPacket) => void;

export class RemoteMqtt {
  #client?: MqttClient;
  readonly #subs: { filter: string; qos: 0 | 1 | 2 }[] = [];
  readonly #onConnect: (() => void)[] = [];
  readonly #onClose: (() => void)[] = [];
  #onMessage: RemoteHandler = () => {};
  #lastError?: string;
  #renewing = false;

  constructor(private readonly opts: RemoteOptions) {}

  get connected(): boolean {
    return (this.#client?.connected ?? false) && !this.#renewing;
  }

  /** The protocol spoken now: 4 after a fallback from 5. */
  get protocolVersion(): 4 | 5 {
    return (this.#client?.options.protocolVersion ?? this.opts.protocolVersion) === 5 ? 5 : 4;
  }

  get lastError(): string | undefined {
    return this.#lastError;
  }

  onConnect(fn: () => void): void {
    this.#onConnect.push(fn);
  }

  onClose(fn: () => void): void {
    this.#onClose.push(fn);
  }

  onMessage(fn: RemoteHandler): void {
    this.#onMessage = fn;
  }

  /** Subscribed on every connect; on MQTT 5 with No Local, so our own publishes never come back. */
  subscribe(filter: string, qos: 0 | 1 | 2 = 1): void {
    this.#subs.push({ filter, qos });
  }

  /** Starts connecting in the background. */
  start(): void {
    const { min } = this.opts.backoff ?? { min: 1_000, max: 60_000 };
    const options: IClientOptions = {
      clientId: this.opts.clientId,
      username: this.opts.username,
      password: this.#password(),
      ca: this.opts.ca,
      cert: this.opts.cert,
      key: this.opts.key,
      keepalive: this.opts.keepalive,
      clean: true,
      protocolVersion: this.opts.protocolVersion,
      resubscribe: false,
      reconnectPeriod: min,
      reconnectOnConnackError: true,
      connectTimeout: 10_000,
      writeCache: NO_NUMBER_CACHE,
    };
    const client = connect(this.opts.url, options);
    this.#client = client;
    client.on('reconnect', () => {
      client.options.password = this.#password();
    });
    client.on('connect', () => this.#connected(client));
    client.on('close', () => this.#closed(client));
    client.on('error', (err) => {
      this.#lastError = err.message;
      if (client.options.protocolVersion === 5 && /protocol version/i.test(err.message)) {
        this.opts.log.info('the remote does not speak MQTT 5; using 3.1.1');
        client.options.protocolVersion = 4;
      }
    });
    client.on('message', (topic, payload, packet) => this.#onMessage(topic, payload, packet));
  }

  /** Resolves when the remote has the message (PUBACK for QoS 1). Only call while connected. */
  publish(topic: string, payload: Buffer | string, opts: { qos: 0 | 1 | 2; retain: boolean }): Promise<void> {
    const client = this.#client;
    if (!client) return Promise.reject(new Error('not started'));
    return new Promise((resolve, reject) => client.publish(topic, payload, opts, (err) => (err ? reject(err) : resolve())));
  }

  /**
   * Disconnects cleanly and connects again at once, with credentials asked afresh. `quiet`
   * should resolve once nothing is in flight; past `waitMs` the connection is cut anyway.
   */
  async renew(quiet: () => Promise<void>, waitMs = 10_000): Promise<void> {
    const client = this.#client;
    if (!client?.connected || this.#renewing) return;
    this.#renewing = true;
    try {
      let timer: NodeJS.Timeout | undefined;
      const drained = await Promise.race([quiet().then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), waitMs)))]);
      clearTimeout(timer);
      if (this.#client !== client) return;
      if (!drained) {
        // Messages still in flight stay in mqtt.js's store and go again after the reconnect.
        (client.stream as Socket).destroy();
        return;
      }
      await new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
      if (this.#client === client) client.reconnect();
    } finally {
      this.#renewing = false;
    }
  }

  async stop(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    if (!client) return;
    // Forced: a remote that does not answer must not hold up shutdown. What was in flight is
    // still in the backlog and goes at the next start.
    await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
  }

  #password(): string | undefined {
    const p = this.opts.password;
    return typeof p === 'function' ? p() : p;
  }

  #connected(client: MqttClient): void {
    if (this.#client !== client) return;
    (client.stream as Socket | undefined)?.setNoDelay?.(true);
    client.options.reconnectPeriod = (this.opts.backoff ?? { min: 1_000 }).min;
    this.#lastError = undefined;
    const nl = client.options.protocolVersion === 5;
    for (const { filter, qos } of this.#subs) {
      client.subscribe(filter, { qos, nl }, (err) => err && this.opts.log.warn(`cannot subscribe to ${filter} on ${hideCredentials(this.opts.url)}: ${err.message}`));
    }
    for (const fn of this.#onConnect) fn();
  }

  #closed(client: MqttClient): void {
    if (this.#client !== client) return;
    if (client.connected === false && !this.#lastError) this.#lastError = 'the remote closed the connection';
    const { min, max } = this.opts.backoff ?? { min: 1_000, max: 60_000 };
    client.options.reconnectPeriod = Math.min(max, Math.max(min, (client.options.reconnectPeriod ?? min) * 2));
    // A renewal is a reconnect on purpose, not an outage.
    if (this.#renewing) return;
    for (const fn of this.#onClose) fn();
  }
}
