/**
 * Publishes what the node has to say. Scheme states (fields plus `ts`) go through the durable
 * outbox, with the retain, QoS and durability each reading carries; availability and `$error` go
 * straight to the broker (a stale `offline` replayed from disk after a restart would be wrong, so
 * those are not kept). When schemes are removed, their retained state and availability are cleared.
 */
import { join } from 'node:path';
import { excerpt, MAX_ERROR_CHARS } from '../core/limits.js';
import { redactValues } from '../core/redact.js';
import type { Logger } from 'pino';
import type { EventBus, Events } from '../core/bus.js';
import type { Reading } from '../core/driver.js';
import type { Service } from '../core/service.js';
import type { Topics } from '../core/topics.js';
import type { MqttLink } from '../mqtt/link.js';
import { Delivery, type DeliveryStats } from './delivery.js';
import { Outbox } from './outbox.js';

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
  /** Where and how much the outbox keeps (`outbox.sqlite` in `dir`). */
  outbox: { dir: string; maxMessages: number; maxBytes: number; drainRate: number };
  /** Problems found before the publisher listened (a plugin that did not load), sent on `$error` at start. */
  problems?: Events['error'][];
  /** Values from `!secret` and `${VAR}`: never sent on `$error` or logged with it. */
  sensitive?: readonly string[];
}

/** Retain, QoS and durability of a reading that says nothing of its own. */
const DEFAULT_DELIVERY = { retain: true, qos: 1, durable: true } as const;

export class Publisher implements Service {
  readonly name = 'publisher';
  #published = 0;
  #failed = 0;
  #outbox?: Outbox;
  #delivery?: Delivery;
  /** Scheme id → its state topic, built once rather than for every reading. */
  readonly #stateTopics = new Map<string, string>();

  constructor(private readonly ctx: PublisherContext) {}

  get stats(): { published: number; failed: number } {
    return { published: this.#published, failed: this.#failed };
  }

  /** The outbox's backlog and drain figures (zeros before start). */
  outboxStats(): DeliveryStats | undefined {
    return this.#delivery?.stats();
  }

  async start(): Promise<void> {
    const { bus, topics, log, link } = this.ctx;
    const problems = [...(this.ctx.problems ?? [])];
    this.#outbox = Outbox.open({
      file: join(this.ctx.outbox.dir, 'outbox.sqlite'),
      maxMessages: this.ctx.outbox.maxMessages,
      maxBytes: this.ctx.outbox.maxBytes,
      log,
      onCorrupt: ({ file, movedTo, error }) =>
        problems.push({
          topic: file,
          error: movedTo
            ? `the outbox was unreadable (${error}); moved it to ${movedTo} and started an empty one`
            : `cannot open or write the outbox (${error}); it is kept in memory, so readings taken now will not survive a restart`,
        }),
    });
    const file = join(this.ctx.outbox.dir, 'outbox.sqlite');
    const delivery = new Delivery({
      outbox: this.#outbox,
      link,
      log,
      drainRate: this.ctx.outbox.drainRate,
      onLost: (topic, err) => {
        this.#failed++;
        log.error(`outbox: could not keep a reading for ${topic}: ${err.message}`);
      },
      // One $error when readings start waiting in memory; health shows it until the disk takes them again.
      onStorage: (change) => {
        if (change.storage === 'memory') {
          bus.emit('error', { topic: file, error: `cannot write the outbox (${change.reason}); readings go out live and wait in memory until it can write again` });
        }
      },
    });
    this.#delivery = delivery;
    bus.on('state', this, ({ id, direction, state, ts, delivery: how = DEFAULT_DELIVERY }) => {
      const payload = stateJson(state, ts.toISOString());
      if (how.durable || how.qos > 0) {
        // An output's new state answers a command someone waits on: it never waits for a group commit.
        const now = direction === 'output';
        delivery.keep({ topic: this.#stateTopic(id), payload: Buffer.from(payload), qos: how.qos, retain: how.retain, ts: ts.getTime() }, now);
      } else void this.send({ topic: this.#stateTopic(id), payload, qos: how.qos, retain: how.retain });
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
      log.warn(error.startsWith(topic) ? error : `${topic}: ${error}`);
      void this.send({ topic: topics.error, payload: JSON.stringify({ topic, error, ts: new Date().toISOString() }), qos: 1, retain: false });
    });
    bus.on('schemesChanged', this, ({ stopped = [] }) => {
      // A removed scheme takes its retained topics with it.
      for (const id of stopped) {
        this.#stateTopics.delete(id);
        void this.send({ topic: topics.state(id), payload: '', qos: 1, retain: true });
        void this.send({ topic: topics.availability(id), payload: '', qos: 1, retain: true });
      }
    });
    delivery.start();
    for (const p of problems) bus.emit('error', p);
  }

  /** Stops taking readings, waits (briefly) for those in flight to be acknowledged, and closes the outbox. */
  async stop(): Promise<void> {
    this.ctx.bus.off(this);
    await this.#delivery?.settled();
    this.#delivery?.stop();
    this.#outbox?.close();
  }

  #stateTopic(id: string): string {
    let topic = this.#stateTopics.get(id);
    if (topic === undefined) {
      // Bounded by the ids of the node's schemes, and forgotten with a removed one.
      topic = this.ctx.topics.state(id);
      this.#stateTopics.set(id, topic);
    }
    return topic;
  }

  /**
   * Resolves once every reading handed over so far on the live lane is acknowledged (or after a
   * short timeout, or at once when offline): restored states reach the broker before `online`.
   */
  settled(): Promise<void> {
    return this.#delivery?.settled() ?? Promise.resolve();
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

/**
 * `JSON.stringify({ ...state, ts })`, without building that object for every reading: the
 * state's JSON with `ts` added as its last member (where the spread puts it too).
 */
export function stateJson(state: Reading, ts: string): string {
  if (Object.hasOwn(state, 'ts')) return JSON.stringify({ ...state, ts });
  const body = JSON.stringify(state);
  // An ISO 8601 time holds nothing JSON escapes.
  return body.length === 2 ? `{"ts":"${ts}"}` : `${body.slice(0, -1)},"ts":"${ts}"}`;
}
