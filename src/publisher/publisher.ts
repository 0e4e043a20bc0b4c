/**
 * Publishes what the node has to say: scheme states (fields plus `ts`), availability, `$error`.
 * Every message goes through `send`, the one publish path, which the durable outbox sits behind.
 */
import type { Logger } from 'pino';
import type { EventBus } from '../core/bus.js';
import type { Topics } from '../core/topics.js';
import type { MqttLink } from './link.js';

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
  /** Retain and QoS of a scheme's state topic. */
  delivery(id: string): { retain: boolean; qos: 0 | 1 | 2 };
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
      const { retain, qos } = this.ctx.delivery(id);
      void this.send({ topic: topics.state(id), payload: JSON.stringify({ ...state, ts: ts.toISOString() }), qos, retain });
    });
    bus.on('availability', this, ({ id, online }) => {
      void this.send({ topic: topics.availability(id), payload: online ? 'online' : 'offline', qos: 1, retain: true });
    });
    bus.on('error', this, ({ topic, error }) => {
      this.ctx.log.warn(error.startsWith(topic) ? error : `${topic}: ${error}`);
      void this.send({ topic: topics.error, payload: JSON.stringify({ topic, error, ts: new Date().toISOString() }), qos: 1, retain: false });
    });
  }

  async stop(): Promise<void> {
    this.ctx.bus.off(this);
  }

  /** The one publish path. Resolves once the broker has the message (QoS ≥ 1). */
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
