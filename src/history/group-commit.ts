/**
 * Group commit, as the outbox does it (src/publisher/outbox.ts): an item added when the disk has
 * rested as long as the last commit took is committed on the next turn of the loop, so a lone
 * write waits only for its own fsync; under load everything that arrives during one commit shares
 * the next. The window bounds the wait, and a commit never takes more than `maxBatch` items, so
 * one transaction never holds the event loop for long. A write may also answer with a promise (the
 * store commits on a thread of its own): the next commit then starts once that one has finished,
 * and takes everything that arrived meanwhile.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';

export interface GroupCommitOptions<T, R> {
  /** Longest wait before a commit, in ms. */
  windowMs: number;
  maxBatch: number;
  /** Writes the batch in one transaction; returns one result per item, in order. Throwing (or rejecting) rejects the batch. */
  write: (batch: T[]) => R[] | Promise<R[]>;
  log: Logger;
  /** For the log: what is being committed. */
  what: string;
}

interface Pending<T, R> {
  item: T;
  resolve?: (r: R) => void;
  reject?: (err: Error) => void;
}

export class GroupCommit<T, R> {
  #pending: Pending<T, R>[] = [];
  #timer?: NodeJS.Timeout;
  #immediate?: NodeJS.Immediate;
  #lastAt = -Infinity;
  #lastTook = 0;
  #commits = 0;
  /** The commit under way, when writes are asynchronous. */
  #writing?: Promise<void>;
  /** Items whose commit failed. */
  failed = 0;

  constructor(private readonly opts: GroupCommitOptions<T, R>) {}

  get pending(): number {
    return this.#pending.length;
  }

  /** Transactions committed so far. */
  get commits(): number {
    return this.#commits;
  }

  /** Resolves with the item's result once its transaction has committed. */
  add(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      this.#schedule();
    });
  }

  /** Adds an item nobody waits for (a recorded message): no promise per item; a failed commit is only logged. */
  push(item: T): void {
    this.#pending.push({ item });
    this.#schedule();
  }

  /** Commits everything pending now; resolves once it is written. */
  async close(): Promise<void> {
    clearTimeout(this.#timer);
    clearImmediate(this.#immediate);
    this.#timer = this.#immediate = undefined;
    for (;;) {
      await this.#writing;
      if (!this.#pending.length) break;
      this.#flush();
    }
    clearTimeout(this.#timer);
    clearImmediate(this.#immediate);
  }

  #schedule(): void {
    if (this.#immediate || this.#writing) return;
    const since = performance.now() - this.#lastAt;
    const rest = Math.min(this.opts.windowMs, this.#lastTook);
    if (this.#pending.length >= this.opts.maxBatch || since >= rest) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#immediate = setImmediate(() => this.#flush());
    } else {
      this.#timer ??= setTimeout(() => this.#flush(), Math.max(0, rest - since));
    }
  }

  #flush(): void {
    clearTimeout(this.#timer);
    clearImmediate(this.#immediate);
    this.#timer = this.#immediate = undefined;
    if (this.#writing) return;
    const batch = this.#pending.splice(0, this.opts.maxBatch);
    if (!batch.length) return;
    const began = performance.now();
    let results: R[] | Promise<R[]>;
    try {
      results = this.opts.write(batch.map((p) => p.item));
    } catch (err) {
      this.#failed(batch, err as Error);
      this.#next();
      return;
    }
    if (!(results instanceof Promise)) {
      this.#done(batch, results, began);
      this.#next();
      return;
    }
    this.#writing = results.then(
      (r) => this.#done(batch, r, began),
      (err: Error) => this.#failed(batch, err),
    );
    void this.#writing.finally(() => {
      this.#writing = undefined;
      this.#next();
    });
  }

  /** What arrived during a commit has waited long enough: it goes next. */
  #next(): void {
    if (this.#pending.length) this.#immediate ??= setImmediate(() => this.#flush());
  }

  #done(batch: Pending<T, R>[], results: R[], began: number): void {
    this.#commits++;
    this.#lastAt = performance.now();
    this.#lastTook = this.#lastAt - began;
    for (let i = 0; i < batch.length; i++) batch[i].resolve?.(results[i]);
  }

  #failed(batch: Pending<T, R>[], err: Error): void {
    this.opts.log.error({ err }, `${this.opts.what}: commit of ${batch.length} items failed: ${err.message}`);
    for (const p of batch) p.reject?.(err);
    this.failed += batch.length;
  }
}
