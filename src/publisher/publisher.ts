/**
 * Publishes what the node has to say: scheme states (fields plus `ts`) through the durable outbox,
 * and availability and `$error` straight to the broker (a stale `offline` replayed from disk after a
 * restart would be wrong, so those are not kept).
 */
import { excerpt, MAX_ERROR_CHARS } from '../core/limits.js';
import { redactValues } from '../core/redact.js';
import type { Logger } from 'pino';
import type { EventBus } from '../core/bus.js';
import type { Topics } from '../core/topics.js';
import type { MqttLink } from './link.js';
import type { Delivery } from './delivery.js';

export interface Outbound {
  topic: string;
  payload: string;
  qos: 0 | 1 | 2;
  retain: boolean;
}

export interface PublisherContext {
  link: MqttLink;
  bus: EventBus;
  topics: Topics;
  log: Logger;
  /** Retain, QoS and durability of a scheme's state topic. */
  deliveryOf(id: string): { retain: boolean; qos: 0 | 1 | 2; durable: boolean };
  /** The durable path (outbox); readings go through it unless a QoS 0 scheme says `durable: false`. */
  durable?: Delivery;
  /** Values from `!secret` and `${VAR}`: never sent on `$error` or logged with it. */
  sensitive?: readonly string[];
}

export class Publisher {
  #published = 0;
  #failed = 0;

  constructor(private readonly ctx: PublisherContext) {}

  get stats(): { published: number; failed: number } {
    return { published: this.#published, failed: this.#failed };
  }

  async start(): Promise<void> {
    const { bus, topics } = this.ctx;
    bus.on('state', this, ({ id, state, ts }) => {
      const { retain, qos, durable } = this.ctx.deliveryOf(id);
      const payload = JSON.stringify({ ...state, ts: ts.toISOString() });
      if (this.ctx.durable && (durable || qos > 0)) {
        this.ctx.durable.send({ topic: topics.state(id), payload: Buffer.from(payload), qos, retain, ts: ts.getTime() }).catch((err) => {
          this.#failed++;
          this.ctx.log.error(`outbox: could not keep a reading of ${id}: ${(err as Error).message}`);
        });
      } else void this.send({ topic: topics.state(id), payload, qos, retain });
    });
    bus.on('event', this, ({ id, event, data, ts }) => {
      void this.send({ topic: topics.event(id), payload: JSON.stringify({ event, ...data, ts: ts.toISOString() }), qos: 1, retain: false });
    });
    bus.on('availability', this, ({ id, online }) => {
      void this.send({ topic: topics.availability(id), payload: online ? 'online' : 'offline', qos: 1, retain: true });
    });
    bus.on('error', this, ({ topic, error: full }) => {
      // An error may quote what it refused; a huge payload is not sent back whole.
      const error = excerpt(redactValues(full, this.ctx.sensitive ?? []), MAX_ERROR_CHARS);
      this.ctx.log.warn(error.startsWith(topic) ? error : `${topic}: ${error}`);
      void this.send({ topic: topics.error, payload: JSON.stringify({ topic, error, ts: new Date().toISOString() }), qos: 1, retain: false });
    });
  }

  async stop(): Promise<void> {
    this.ctx.bus.off(this);
  }

  /** Direct publish, for control messages (status, availability, $error). Resolves once the broker has it (QoS ≥ 1). */
  async send(msg: Outbound): Promise<void> {
    try {
      await this.ctx.link.publish(msg.topic, msg.payload, { qos: msg.qos, retain: msg.retain });
      this.#published++;
    } catch (err) {
      this.#failed++;
      this.ctx.log.warn(`publish to ${msg.topic} failed: ${(err as Error).message}`);
    }
  }
}
