/**
 * The node's broker connection as a service: uses `mqtt.url` when configured, else the broker
 * answering on `broker.host:port`, else starts the embedded one there; reads the TLS files and
 * connects the one {@link MqttLink} every other service shares. Stopping says `offline` and
 * closes the embedded broker, if it started one.
 */
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { Service } from '../core/service.js';
import type { Topics } from '../core/topics.js';
import type { EventBus } from '../core/bus.js';
import { hideCredentials } from '../core/redact.js';
import { MqttLink } from './link.js';
import { brokerAnswers } from './detect.js';
import type { EmbeddedBroker } from './embedded.js';

export interface MqttServiceContext {
  config: Pick<Config, 'mqtt' | 'broker' | 'node'>;
  topics: Topics;
  bus: EventBus;
  log: Logger;
}

export class MqttService implements Service {
  readonly name = 'mqtt';
  /** Shared by every service; usable (publishes queue) once this service has started. */
  readonly link: MqttLink;
  #broker?: EmbeddedBroker;
  #hooked = false;
  /** A takeover to report on `$error` once the link is back (it cannot be published while dropped). */
  #takenOver?: { clientId: string; retryMs: number };

  constructor(private readonly ctx: MqttServiceContext) {
    const { mqtt } = ctx.config;
    const { broker } = ctx.config;
    this.link = new MqttLink({
      clientId: this.clientId,
      // The embedded broker's credentials serve hanode's own link too, unless mqtt has its own.
      username: mqtt.username ?? (mqtt.url ? undefined : broker.username),
      password: mqtt.password ?? (mqtt.url ? undefined : broker.password),
      keepalive: mqtt.keepalive,
      will: { topic: ctx.topics.status, payload: 'offline', retain: true, qos: 1 },
      // Back within 10 s of the broker's return, however long it was away.
      backoff: { min: 500, max: 10_000 },
      log: ctx.log,
    });
  }

  get clientId(): string {
    return this.ctx.config.mqtt.client_id ?? `hanode-${this.ctx.config.node.id}`;
  }

  /** The broker URL in use (after start). */
  get url(): string | undefined {
    return this.link.url;
  }

  async start(): Promise<void> {
    const { mqtt } = this.ctx.config;
    if (!this.#hooked) {
      this.#hooked = true;
      this.link.onTakeover((info) => (this.#takenOver = info));
      this.link.onConnect(() => {
        const info = this.#takenOver;
        this.#takenOver = undefined;
        if (info) {
          this.ctx.bus.emit('error', {
            topic: this.ctx.topics.status,
            error: `another client connected as '${info.clientId}' and took this node's connection over; two nodes probably share the node id '${this.ctx.config.node.id}'. Give each Pi its own node.id in hanode.yaml; until then this node waits longer and longer before it connects again`,
          });
        }
      });
    }
    const url = await this.#brokerUrl();
    const read = (f?: string) => (f ? readFile(f) : undefined);
    this.ctx.log.info(`MQTT: connecting to ${hideCredentials(url)} as ${this.clientId}`);
    await this.link.start({
      url,
      ca: await read(mqtt.ca),
      cert: await read(mqtt.cert),
      key: await read(mqtt.key),
      // The embedded broker speaks 3.1.1 (and gives hanode retain-as-published anyway).
      protocolVersion: this.#broker ? 4 : 5,
    });
  }

  async stop(): Promise<void> {
    await this.link.stop({ topic: this.ctx.topics.status, payload: 'offline' });
    await this.#broker?.close();
    this.#broker = undefined;
  }

  async #brokerUrl(): Promise<string> {
    const { config, log } = this.ctx;
    if (config.mqtt.url) return config.mqtt.url;
    const { host, port } = config.broker;
    if (await brokerAnswers(host, port)) {
      log.info(`broker: using the broker answering on ${host}:${port}`);
      return `mqtt://${host}:${port}`;
    }
    // Loaded only when needed: a node next to a Mosquitto never pays for aedes.
    const { startEmbeddedBroker } = await import('./embedded.js');
    const { username, password } = config.broker;
    const credentials = username !== undefined && password !== undefined ? { username, password } : undefined;
    this.#broker = await startEmbeddedBroker({ host, port, log, credentials });
    log.info(`broker: none answered on ${host}:${port}, so started the embedded broker there${credentials ? ' (user name and password required)' : ''}`);
    if (!isLoopback(host) && !credentials) {
      log.warn(
        `broker: THE EMBEDDED BROKER ON ${host}:${port} TAKES ANY CLIENT FROM THE NETWORK WITHOUT A PASSWORD: anyone on the LAN can switch this node's outputs. ` +
          'Set broker.username and broker.password in hanode.yaml (a !secret works), or bind it to 127.0.0.1.',
      );
    }
    return this.#broker.url;
  }
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
