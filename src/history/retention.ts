/**
 * Keeps the history within its bounds: records older than `retention`, then the oldest past
 * `max_rows` or `max_bytes`, deleted a small batch at a time with a turn of the event loop between
 * batches, so even a first run over millions of expired rows never stalls the agent.
 */
import type { Logger } from 'pino';
import type { HistoryStore } from './store.js';

export interface RetentionOptions {
  store: HistoryStore;
  log: Logger;
  /** ms; records older than this go. */
  maxAgeMs: number;
  maxRows: number;
  maxBytes: number;
  /** How often to check, ms. Default 10 s. */
  everyMs?: number;
  /** Rows per batch. Default 1000. */
  batch?: number;
  now?: () => number;
}

export class Retention {
  #timer?: NodeJS.Timeout;
  #running?: Promise<void>;
  #stopped = true;
  #cancel = false;
  /** Rows deleted by the bounds since start. */
  deleted = 0;

  constructor(private readonly opts: RetentionOptions) {}

  start(): void {
    this.#stopped = false;
    this.#cancel = false;
    this.#arm(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#cancel = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** One full pass now (tests, and the timer); resolves when the store is within its bounds. */
  run(): Promise<void> {
    this.#running ??= this.#pass().finally(() => (this.#running = undefined));
    return this.#running;
  }

  #arm(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.run()
        .catch((err) => this.opts.log.error({ err }, `history retention failed: ${(err as Error).message}`))
        .finally(() => this.#arm(this.opts.everyMs ?? 10_000));
    }, ms);
    this.#timer.unref();
  }

  async #pass(): Promise<void> {
    const { store, maxRows, maxBytes } = this.opts;
    const batch = this.opts.batch ?? 1_000;
    const cutoff = (this.opts.now ?? Date.now)() - this.opts.maxAgeMs;
    let total = 0;
    while (!this.#cancel) {
      const n = await store.removeMatching({ before: cutoff }, batch);
      total += n;
      if (n < batch) break;
      await yieldTurn();
    }
    while (!this.#cancel) {
      const { rows, bytes } = store.stats();
      if (rows <= maxRows && bytes <= maxBytes) break;
      // Past the byte bound, guess the rows to drop from the mean size; never more than a batch.
      const overRows = rows - maxRows;
      const overBytes = bytes > maxBytes && rows ? Math.ceil((bytes - maxBytes) / (bytes / rows)) : 0;
      const n = await store.removeOldest(Math.max(1, Math.min(batch, Math.max(overRows, overBytes))));
      total += n;
      if (n === 0) break;
      await yieldTurn();
    }
    if (total) {
      this.deleted += total;
      this.opts.log.debug(`history: retention deleted ${total} record(s)`);
    }
  }
}

const yieldTurn = () => new Promise<void>((r) => setImmediate(r));
