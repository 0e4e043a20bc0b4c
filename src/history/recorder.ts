/**
 * The history service: opens the store, records every message on the `history.topics` filters
 * through the node's MQTT link, and runs retention. Recording only enqueues into the group commit,
 * so a burst costs the message handler one array push per message.
 */
import { join } from 'node:path';
import type { IPublishPacket } from 'mqtt';
import type { Logger } from 'pino';
import type { Service } from '../core/service.js';
import type { MqttLink } from '../mqtt/link.js';
import type { HistoryConfig } from './schema.js';
import { HistoryStore } from './store.js';
import { Retention } from './retention.js';
import { sizeError } from '../core/limits.js';

/** The largest payload recorded: 1 MiB. A bigger one is left out, logged and counted. */
export const MAX_RECORD_BYTES = 1024 * 1024;

export interface HistoryServiceContext {
  config: HistoryConfig;
  /** The default filter is `<base>/+/+`. */
  base: string;
  dataDir: string;
  link: MqttLink;
  log: Logger;
  /** Retention check interval in ms (tests shorten it). */
  retentionEveryMs?: number;
}

export class HistoryService implements Service {
  readonly name = 'history';
  #store?: HistoryStore;
  #retention?: Retention;
  #recorded = 0;
  #skipped = 0;
  #lastSkipWarn = 0;
  readonly #handler = (topic: string, payload: Buffer, packet: IPublishPacket) => this.#record(topic, payload, packet);

  constructor(private readonly ctx: HistoryServiceContext) {}

  /** The open store (after start). */
  get store(): HistoryStore {
    if (!this.#store) throw new Error('history is not running');
    return this.#store;
  }

  get topics(): string[] {
    return this.ctx.config.topics ?? [`${this.ctx.base}/+/+`];
  }

  stats(): { recorded: number; skipped: number; retentionDeleted: number } & ReturnType<HistoryStore['stats']> {
    return { recorded: this.#recorded, skipped: this.#skipped, retentionDeleted: this.#retention?.deleted ?? 0, ...this.store.stats() };
  }

  async start(): Promise<void> {
    const { config, dataDir, log, link } = this.ctx;
    const file = join(dataDir, 'history.sqlite');
    this.#store = HistoryStore.open({ file, log, seriesBlocks: config.series_blocks });
    this.#retention = new Retention({
      store: this.#store,
      log,
      maxAgeMs: config.retention,
      maxRows: config.max_rows,
      maxBytes: config.max_bytes,
      everyMs: this.ctx.retentionEveryMs,
    });
    this.#retention.start();
    for (const filter of this.topics) link.subscribe(filter, this.#handler, { qos: 1 });
    log.info(`history: recording ${this.topics.join(', ')} into ${file}${config.series_blocks ? '' : ' (no series blocks)'}`);
  }

  async stop(): Promise<void> {
    this.ctx.link.unsubscribe(this.#handler);
    await this.#retention?.stop();
    await this.#store?.close();
    this.#store = undefined;
  }

  #record(topic: string, payload: Buffer, packet: IPublishPacket): void {
    const store = this.#store;
    if (!store) return;
    // The broker replays retained messages on every (re)subscribe: the same state is not news.
    if (packet.retain && store.latestPayload(topic)?.equals(payload)) return;
    if (payload.length > MAX_RECORD_BYTES) {
      this.#skipped++;
      if (Date.now() - this.#lastSkipWarn >= 60_000) {
        this.#lastSkipWarn = Date.now();
        this.ctx.log.warn(`history: not recording ${topic}: ${sizeError(payload.length, MAX_RECORD_BYTES)} (${this.#skipped} left out so far)`);
      }
      return;
    }
    this.#recorded++;
    store.record({ topic, payload, ts: Date.now() });
  }
}
