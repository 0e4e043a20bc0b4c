/**
 * Group commit, as the outbox does it (src/publisher/outbox.ts): an item added when the disk has
 * rested as long as the last commit took is committed on the next turn of the loop, so a lone
 * write waits only for its own fsync; under load everything that arrives during one commit shares
 * the next. The window bounds the wait, and a commit never takes more than `maxBatch` items, so
 * one transaction never holds the event loop for long.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';

export interface GroupCommitOptions<T, R> {
  /** Longest wait before a commit, in ms. */
  windowMs: number;
  maxBatch: number;
  /** Writes the batch in one transaction; returns one result per item, in order. Throwing rejects the batch. */
  write: (batch: T[]) => R[];
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

  /** Commits everything pending now. */
  close(): void {
    while (this.#pending.length) this.#flush();
    clearTimeout(this.#timer);
    clearImmediate(this.#immediate);
  }

  #schedule(): void {
    if (this.#immediate) return;
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
    const batch = this.#pending.splice(0, this.opts.maxBatch);
    if (this.#pending.length) this.#immediate = setImmediate(() => this.#flush());
    if (!batch.length) return;
    const began = performance.now();
    let results: R[];
    try {
      results = this.opts.write(batch.map((p) => p.item));
    } catch (err) {
      this.opts.log.error({ err }, `${this.opts.what}: commit of ${batch.length} items failed: ${(err as Error).message}`);
      for (const p of batch) p.reject?.(err as Error);
      this.failed += batch.length;
      return;
    }
    this.#commits++;
    this.#lastAt = performance.now();
    this.#lastTook = this.#lastAt - began;
    for (let i = 0; i < batch.length; i++) batch[i].resolve?.(results[i]);
  }
}
