/**
 * Home Assistant MQTT discovery: a retained config per field of every scheme, kept in step with
 * the running schemes, sent again when Home Assistant comes back online, and cleared when a
 * scheme goes away, so entities appear and disappear by themselves.
 */
import type { Logger } from 'pino';
import type { EventBus } from '../core/bus.js';
import type { DriverRegistry } from '../core/registry.js';
import type { Topics } from '../core/topics.js';
import type { Service } from '../core/service.js';
import { nodeConfigs, type DiscoveredScheme, type DiscoveryConfig, type NodeInfo } from './configs.js';

/** The part of the broker link discovery uses; `MqttLink` has it. */
export interface DiscoveryLink {
  publish(topic: string, payload: string, opts: { qos: 0 | 1 | 2; retain: boolean }): Promise<void>;
  /** Subscribes now and after every reconnect; `nl`: not this client's own publishes (MQTT 5). */
  subscribe(filter: string, fn: DiscoveryHandler, opts?: { nl?: boolean }): void;
  unsubscribe?(fn: DiscoveryHandler): void;
}

type DiscoveryHandler = (topic: string, payload: Buffer, packet: { retain: boolean }) => void;

export interface DiscoveryContext {
  link: DiscoveryLink;
  bus: EventBus;
  topics: Topics;
  registry: DriverRegistry;
  log: Logger;
  /** The node's schemes as they run now (disabled ones included: their entities stay, unavailable). */
  schemes: () => DiscoveredScheme[];
  nodeInfo: NodeInfo;
  /** The board's model, asked once at start when `nodeInfo` has none. */
  model?: () => Promise<string | undefined>;
  /** `homeassistant.discovery`; when false, nothing is published or subscribed. Default true. */
  enabled?: boolean;
  /** `homeassistant.prefix`; default `homeassistant`. */
  prefix?: string;
  /**
   * Called when Home Assistant has come back online and the configs are out again: publish the
   * current state of every scheme (those with `retain: false` are otherwise unknown until they change).
   */
  republishStates?: () => void | Promise<void>;
  /** How long after the configs the states are asked for, so Home Assistant has subscribed. Default 1000 ms. */
  statesDelayMs?: number;
}

export class Discovery implements Service {
  readonly name = 'discovery';
  #node?: NodeInfo;
  readonly #onStatus: DiscoveryHandler = (_topic, payload) => this.#haStatus(payload.toString().trim());
  readonly #onConfig: DiscoveryHandler = (topic, payload, packet) => {
    if (packet.retain && payload.length > 0) this.#leftover(topic);
  };
  /** Config topic → the scheme it belongs to and the payload last published there. */
  readonly #published = new Map<string, { scheme: string; payload: string }>();
  /** Every publish goes through this chain, so a config and its removal never overtake each other. */
  #queue: Promise<void> = Promise.resolve();
  #running = false;
  #haPending = false;
  #statesTimer?: NodeJS.Timeout;

  constructor(private readonly ctx: DiscoveryContext) {}

  get prefix(): string {
    return this.ctx.prefix ?? 'homeassistant';
  }

  get enabled(): boolean {
    return this.ctx.enabled ?? true;
  }

  /** The configs the running schemes call for now. */
  configs(): DiscoveryConfig[] {
    const { topics, registry, nodeInfo } = this.ctx;
    return nodeConfigs(this.ctx.schemes(), { prefix: this.prefix, topics, registry, node: this.#node ?? nodeInfo });
  }

  /**
   * Subscribes to `<prefix>/status` and to this node's retained configs (to clear those of schemes
   * removed while the node was down), follows `schemesChanged`, and publishes every config.
   * Call it once the schemes are applied.
   */
  async start(): Promise<void> {
    const { link, bus, log, topics } = this.ctx;
    if (!this.enabled) {
      log.info('Home Assistant discovery is off (homeassistant.discovery: false)');
      return;
    }
    this.#running = true;
    const { nodeInfo, model } = this.ctx;
    if (model && nodeInfo.model === undefined) this.#node = { ...nodeInfo, model: await model().catch(() => undefined) };
    link.subscribe(`${this.prefix}/status`, this.#onStatus);
    // Only what was retained before this run matters here: the broker need not echo back each
    // config this node publishes (1,000 of them with 500 schemes, at every start).
    link.subscribe(`${this.prefix}/+/${topics.node}/+/config`, this.#onConfig, { nl: true });
    bus.on('schemesChanged', this, () => this.sync());
    // The configs go out behind `online` (the controller starts this service after the status):
    // the node is up once its states are out, and Home Assistant takes retained configs whenever
    // they land (500 schemes: about 1,000 configs that `online` no longer waits for). stop() waits for them.
    void this.publishAll().catch((err) => log.warn(`Home Assistant discovery: ${(err as Error).message}`));
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#statesTimer);
    this.ctx.bus.off(this);
    this.ctx.link.unsubscribe?.(this.#onStatus);
    this.ctx.link.unsubscribe?.(this.#onConfig);
    await this.#queue;
  }

  /** Publishes every config again, and clears those of schemes that are gone. */
  publishAll(): Promise<void> {
    return this.#enqueue(() => this.#reconcile(true));
  }

  /** Publishes only what changed since the last call: new or changed configs, and clears for removed ones. */
  sync(): Promise<void> {
    return this.#enqueue(() => this.#reconcile(false));
  }

  /** Publishes an empty retained config for every entity of scheme `id`, so Home Assistant removes them. */
  remove(id: string): Promise<void> {
    return this.#enqueue(async () => {
      const topics = [...this.#published].filter(([, p]) => p.scheme === id).map(([topic]) => topic);
      await Promise.all(topics.map((topic) => this.#clear(topic)));
      if (topics.length) this.ctx.log.info(`Home Assistant discovery: removed ${topics.length} entit${topics.length === 1 ? 'y' : 'ies'} of ${id}`);
    });
  }

  async #reconcile(all: boolean): Promise<void> {
    const wanted = new Map(this.configs().map((c) => [c.topic, c]));
    const jobs: Promise<void>[] = [];
    for (const topic of this.#published.keys()) if (!wanted.has(topic)) jobs.push(this.#clear(topic));
    let sent = 0;
    for (const [topic, c] of wanted) {
      const payload = JSON.stringify(c.config);
      if (!all && this.#published.get(topic)?.payload === payload) continue;
      this.#published.set(topic, { scheme: c.scheme, payload });
      jobs.push(this.#send(topic, payload));
      sent++;
    }
    await Promise.all(jobs);
    if (sent || jobs.length) this.ctx.log.info(`Home Assistant discovery: published ${sent} config(s) under ${this.prefix}/, cleared ${jobs.length - sent}`);
  }

  #clear(topic: string): Promise<void> {
    this.#published.delete(topic);
    return this.#send(topic, '');
  }

  async #send(topic: string, payload: string): Promise<void> {
    try {
      await this.ctx.link.publish(topic, payload, { qos: 1, retain: true });
    } catch (err) {
      this.ctx.log.warn(`Home Assistant discovery: publish to ${topic} failed: ${(err as Error).message}`);
    }
  }

  /** A retained config of this node that no running scheme calls for: left from an earlier run. */
  #leftover(topic: string): void {
    if (!this.#running || this.#published.has(topic)) return;
    void this.#enqueue(async () => {
      if (this.#published.has(topic) || this.configs().some((c) => c.topic === topic)) return;
      this.ctx.log.info(`Home Assistant discovery: clearing ${topic}, left from a scheme this node no longer has`);
      await this.#send(topic, '');
    });
  }

  /** Home Assistant (re)started: send every config, then, a moment later, every state. */
  #haStatus(payload: string): void {
    if (!this.#running || payload !== 'online' || this.#haPending) return;
    this.#haPending = true;
    this.ctx.log.info('Home Assistant is online; publishing discovery configs again');
    void this.publishAll().then(() => {
      this.#statesTimer = setTimeout(() => {
        this.#haPending = false;
        if (!this.#running || !this.ctx.republishStates) return;
        Promise.resolve()
          .then(() => this.ctx.republishStates!())
          .catch((err) => this.ctx.log.warn(`Home Assistant discovery: republishing states failed: ${(err as Error).message}`));
      }, this.ctx.statesDelayMs ?? 1_000);
    });
  }

  #enqueue(job: () => Promise<void>): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    const next = this.#queue.then(job, job);
    this.#queue = next.catch(() => {});
    return next;
  }
}
