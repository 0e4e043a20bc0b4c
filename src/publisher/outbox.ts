/**
 * The durable outbox: every reading is on disk, or acknowledged by the broker, before it counts as
 * accepted, and leaves the disk only when the broker has acknowledged it (one acknowledged before
 * its commit is never written). SQLite in WAL mode with `synchronous = FULL`; enqueues
 * that arrive within a short window share one transaction (group commit), so one fsync covers
 * hundreds of readings. Deletes are coalesced into the next transaction: losing one to a crash only
 * repeats a message, which at-least-once delivery allows.
 */
import { monotonicNow } from '../core/monotonic.js';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { openOutboxDb, prepareStatements, readMeta, type OutboxStatements } from './outbox-sql.js';

/** One stored message. `ts` is when the reading was taken (ms since epoch), not when it was stored. */
export interface OutboxMessage {
  id: number;
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
  ts: number;
}

/** What {@link Outbox.add} calls once per message: one function may serve every message, as it is handed the row. */
export type Committed = (err: Error | null, row: OutboxMessage) => void;

/** How soon {@link Outbox.add} commits a message. */
export type CommitWhen = 'now' | 'soon' | 'wire';

/** How to open an outbox. */
export interface OutboxOptions {
  /** The db file, e.g. `<data>/outbox.sqlite`; its directory is created if missing. */
  file: string;
  /** Bound on the number of messages; the oldest are dropped past it. Default 1,000,000. */
  maxMessages?: number;
  /** Bound on topic + payload bytes; the oldest are dropped past it. Default 256 MiB. */
  maxBytes?: number;
  /** Group commit window in ms, 0–50. Default 20. */
  commitWindowMs?: number;
  /**
   * How long a message already on the wire may wait for its PUBACK before it is written anyway,
   * in ms, 0–1,000. Default 100: a burst of a thousand readings is acknowledged by a near broker
   * in 5–50 ms, so almost none is written, and a power cut loses at most this long of readings
   * the broker has not acknowledged.
   */
  wireGraceMs?: number;
  log: Logger;
  /** Called once when a corrupt or unusable file was moved aside, so the agent can publish `$error`. */
  onCorrupt?: (info: { file: string; movedTo?: string; error: string }) => void;
}

/** What `Outbox.stats()` reports; `depth` and `bytes` already leave out acknowledged messages. */
export interface OutboxStats {
  depth: number;
  bytes: number;
  /** `ts` of the oldest waiting message. */
  oldestTs: number | null;
  /** Id of the newest waiting message. */
  newestId: number | null;
  /** Messages dropped by the bounds since the counter was last reset (persisted). */
  dropped: number;
  /** Corrupt files moved aside (persisted in the fresh db, so 1 after a recovery). */
  corruptRecoveries: number;
  /** Transactions committed by this instance: shows group commit at work. */
  commits: number;
  /** Messages held in memory for their commit (acknowledged ones are let go once none is left). */
  pending: number;
}

/** A commit never grows past this many enqueues plus acks, to bound how long it holds the event loop. */
const MAX_BATCH = 5_000;
/** Drop warnings are at most this often; the count in between is summed. */
const DROP_WARN_MS = 10_000;
/** How many of the latest committed rows keep their size in memory for their PUBACK. */
const RECENT_SIZES = 16_384;

interface Pending {
  msg: OutboxMessage;
  size: number;
  /** Acknowledged before it was committed (sent straight away); then it is never written. */
  acked: boolean;
  /** Told once: with no error when its commit is on disk or it was acknowledged first, with the error when the commit failed. */
  done: Committed;
}

/** What one commit did: the table's totals after it, the rows the bounds dropped (ids up to `droppedUpTo`) and those it wrote. */
interface Written {
  depth: number;
  bytes: number;
  dropped: number;
  droppedUpTo: number;
  inserted: Pending[];
  /** The last id handed out when it ran, now in meta.last_id. */
  lastId: number;
}

type Row = { id: number; topic: string; payload: Buffer; qos: number; retain: number; ts: number };

/** `ids` as runs of consecutive ids, `[first, last]` each, in order. */
export function idRuns(ids: readonly number[]): [number, number][] {
  const sorted = [...ids].sort((a, b) => a - b);
  const runs: [number, number][] = [];
  for (const id of sorted) {
    const last = runs[runs.length - 1];
    if (last && id <= last[1] + 1) last[1] = Math.max(last[1], id);
    else runs.push([id, id]);
  }
  return runs;
}

/** The durable store behind the publisher; see the file comment for the guarantees. */
export class Outbox {
  /** True while commits keep failing, so the failure is logged once. */
  #failing = false;
  readonly #db: Database.Database;
  readonly #log: Logger;
  readonly #maxMessages: number;
  readonly #maxBytes: number;
  readonly #windowMs: number;
  readonly #wireGraceMs: number;
  readonly #sql: OutboxStatements;
  readonly #commitTx: (batch: Pending[], acks: number[]) => Written;

  /** Enqueued, not yet committed. Ids are contiguous, so an id finds its entry by offset. */
  #pending: Pending[] = [];
  /** Of {@link #pending}, those not acknowledged yet. */
  #unacked = 0;
  /** Committed rows acknowledged but not yet deleted: id → size. */
  readonly #acks = new Map<number, number>();
  /**
   * The sizes of the rows the latest commits wrote, oldest first (at most RECENT_SIZES): a PUBACK
   * for one of them finds its size here instead of asking SQLite, which at 1,000 readings a second
   * was 1,000 queries a second. Rows dropped by the bounds leave it with the commit that drops them.
   */
  readonly #recent = new Map<number, number>();
  #timer?: NodeJS.Timeout;
  /** When {@link #timer} fires (performance.now() time). */
  #timerDue = 0;
  #lastCommitAt = -Infinity;
  #immediate?: NodeJS.Immediate;
  #nextId: number;
  /** The last id meta.last_id holds. */
  #savedLastId: number;
  #depth: number;
  #bytes: number;
  #dropped: number;
  readonly #corruptRecoveries: number;
  #commits = 0;
  #dropsSinceOpen = 0;
  #closed = false;
  #unwarnedDrops = 0;
  #lastDropWarn = -Infinity;
  #dropWarnTimer?: NodeJS.Timeout;

  private constructor(db: Database.Database, opts: Required<Omit<OutboxOptions, 'onCorrupt' | 'file'>>) {
    this.#db = db;
    this.#log = opts.log;
    this.#maxMessages = opts.maxMessages;
    this.#maxBytes = opts.maxBytes;
    this.#windowMs = opts.commitWindowMs;
    this.#wireGraceMs = opts.wireGraceMs;
    this.#sql = prepareStatements(db);
    this.#commitTx = db.transaction((batch: Pending[], acks: number[]) => this.#write(batch, acks));
    const totals = db.prepare('SELECT count(*) AS n, total(size) AS b, max(id) AS top FROM messages').get() as { n: number; b: number; top: number | null };
    this.#depth = totals.n;
    this.#bytes = totals.b;
    this.#nextId = Math.max(readMeta(db, 'last_id'), totals.top ?? 0) + 1;
    this.#savedLastId = this.#nextId - 1;
    this.#dropped = readMeta(db, 'dropped');
    this.#corruptRecoveries = readMeta(db, 'corrupt_recoveries');
  }

  /**
   * Opens the outbox at `opts.file`. Throws only for invalid options; a corrupt or unreadable
   * file is moved aside, logged and reported through `onCorrupt`, and the outbox starts empty.
   */
  static open(opts: OutboxOptions): Outbox {
    const maxMessages = opts.maxMessages ?? 1_000_000;
    const maxBytes = opts.maxBytes ?? 256 * 1024 * 1024;
    const commitWindowMs = opts.commitWindowMs ?? 20;
    if (!(Number.isInteger(maxMessages) && maxMessages >= 1)) throw new RangeError(`outbox maxMessages must be a positive integer, not ${maxMessages}`);
    if (!(maxBytes >= 1)) throw new RangeError(`outbox maxBytes must be positive, not ${maxBytes}`);
    const wireGraceMs = opts.wireGraceMs ?? 100;
    if (!(commitWindowMs >= 0 && commitWindowMs <= 50)) throw new RangeError(`outbox commitWindowMs must be 0–50, not ${commitWindowMs}`);
    if (!(wireGraceMs >= 0 && wireGraceMs <= 1_000)) throw new RangeError(`outbox wireGraceMs must be 0–1000, not ${wireGraceMs}`);
    const { db } = openOutboxDb(opts.file, opts.log, opts.onCorrupt);
    return new Outbox(db, { maxMessages, maxBytes, commitWindowMs, wireGraceMs, log: opts.log });
  }

  /**
   * Adds a message; resolves with its id once its transaction is on disk, or once it is
   * acknowledged ({@link ack}) if that comes first. Ids follow call order.
   * `now` (an output's new state, which someone is waiting to see) commits on the next turn
   * instead of waiting for the disk to rest after the last commit; everything pending rides along.
   */
  enqueue(msg: Omit<OutboxMessage, 'id'>, opts: { now?: boolean } = {}): Promise<OutboxMessage> {
    if (this.#closed) return Promise.reject(new Error('outbox is closed'));
    return new Promise((resolve, reject) => {
      this.add(msg, opts.now === true ? 'now' : 'soon', (err, row) => (err ? reject(err) : resolve(row)));
    });
  }

  /**
   * {@link enqueue} without a promise: hands the row (and so its id) back at once, so it can go on
   * the wire while it is being written, and calls `done` once its commit is on disk or has failed,
   * or once it is acknowledged, whichever comes first.
   * At a thousand readings a second, a promise per reading was a good part of what the garbage
   * collector had to do. Throws when the outbox is closed. `when` says how soon it is committed:
   *
   * - `now`: on the next turn, with everything pending (an output's state that cannot go yet);
   * - `soon`: on the next turn when the disk has rested a whole window, else with the rest of that
   *   window (group commit: what waits for its commit before it is sent);
   * - `wire`: within `wireGraceMs` (100 ms): the message is already on the wire, and its PUBACK
   *   usually comes first and spares the write; a commit that comes sooner takes it along.
   */
  add(msg: Omit<OutboxMessage, 'id'>, when: CommitWhen, done: Committed): OutboxMessage {
    if (this.#closed) throw new Error('outbox is closed');
    const row: OutboxMessage = { id: this.#nextId++, topic: msg.topic, payload: msg.payload, qos: msg.qos, retain: msg.retain, ts: msg.ts };
    this.#pending.push({ msg: row, size: Buffer.byteLength(msg.topic) + msg.payload.length, acked: false, done });
    this.#unacked++;
    this.#schedule(when);
    return row;
  }

  /**
   * Committed messages, oldest first, at most `limit`, with id > `afterId`. Acknowledged messages
   * never appear, nor ids in `exclude` (e.g. the caller's in-flight set).
   */
  peek(limit: number, afterId = 0, exclude?: ReadonlySet<number>): OutboxMessage[] {
    if (this.#closed) throw new Error('outbox is closed');
    const out: OutboxMessage[] = [];
    if (limit <= 0) return out;
    // Stepping lazily, rows skipped for being acked or excluded cost no extra query.
    for (const r of this.#sql.after.iterate(afterId) as IterableIterator<Row>) {
      if (this.#acks.has(r.id) || exclude?.has(r.id)) continue;
      out.push({ id: r.id, topic: r.topic, payload: r.payload, qos: r.qos as 0 | 1 | 2, retain: r.retain === 1, ts: r.ts });
      if (out.length === limit) break;
    }
    return out;
  }

  /** Marks messages delivered. They vanish from `peek` and `stats` now; the delete rides the next commit. */
  ack(ids: readonly number[]): void {
    if (this.#closed) return; // a late PUBACK after shutdown: the message is simply sent again next time
    const firstPending = this.#pending.length ? this.#pending[0].msg.id : Infinity;
    let any = false;
    for (const id of ids) {
      if (id >= firstPending) {
        // Delivered before its commit: it is safe now, and will never be written.
        const p = this.#pending[id - firstPending];
        if (p && !p.acked) {
          p.acked = true;
          this.#unacked--;
          this.#settle(p, null);
        }
        continue;
      }
      if (this.#acks.has(id)) continue;
      const size = this.#recent.get(id) ?? (this.#sql.sizeOf.get(id) as number | undefined);
      if (size === undefined) continue; // dropped by the bounds meanwhile, or never ours
      this.#recent.delete(id);
      this.#acks.set(id, size);
      this.#depth--;
      this.#bytes -= size;
      any = true;
    }
    // Everything waiting for a commit was acknowledged first: none of it will be written, so it
    // is let go now rather than held (with its payload) until the commit would have come.
    if (this.#unacked === 0 && this.#pending.length) this.#pending = [];
    if (any) this.#schedule('ack');
  }

  /** Rows the bounds dropped since this outbox was opened: only grows, so a change shows a drop happened meanwhile. */
  get dropsSinceOpen(): number {
    return this.#dropsSinceOpen;
  }

  /** Backlog figures for `health` and `$info`. */
  stats(): OutboxStats {
    const open = !this.#closed && this.#depth > 0;
    return {
      depth: this.#depth,
      bytes: this.#bytes,
      oldestTs: open ? this.#edge(this.#sql.first)?.ts ?? null : null,
      newestId: open ? this.#edge(this.#sql.last)?.id ?? null : null,
      dropped: this.#dropped,
      corruptRecoveries: this.#corruptRecoveries,
      commits: this.#commits,
      pending: this.#pending.length,
    };
  }

  /** Sets the persisted drop counter back to 0 (e.g. after an operator has seen it). */
  resetDropped(): void {
    this.#sql.setMeta.run(0, 'dropped');
    this.#dropped = 0;
  }

  /** Commits what is pending (enqueues and acks) and closes the file. Idempotent. */
  close(): void {
    if (this.#closed) return;
    do this.#flush();
    while (this.#pending.length); // a burst bigger than one commit takes several
    // Ids of messages acknowledged before their commit were never written: keep them used.
    if (this.#savedLastId < this.#nextId - 1) {
      try {
        this.#sql.setMeta.run((this.#savedLastId = this.#nextId - 1), 'last_id');
      } catch (err) {
        this.#log.warn(`outbox: could not save the last message id on close: ${(err as Error).message}`);
      }
    }
    clearTimeout(this.#timer);
    clearImmediate(this.#immediate);
    this.#closed = true;
    clearTimeout(this.#dropWarnTimer);
    this.#warnDrops(true);
    this.#db.close();
  }

  #edge(stmt: Database.Statement): { id: number; ts: number } | undefined {
    for (const r of stmt.iterate() as IterableIterator<{ id: number; ts: number }>) {
      if (!this.#acks.has(r.id)) return r;
    }
    return undefined;
  }

  /**
   * Group commit: a reading that comes when the disk has rested for a whole window since the last
   * commit is committed on the next turn, so a lone reading waits only for its own fsync; one that
   * comes sooner waits for the rest of that window with everything else arriving meanwhile. So a
   * node reading a thousand sensors a second commits at most once per window (20 ms: 50 fsyncs a
   * second), not once per reading. `now` (an output's new state) never waits. A message already on
   * the wire waits up to `wireGraceMs` for its PUBACK, and acks ride the next commit, at most a
   * window away: neither ever brings a commit forward.
   */
  #schedule(when: CommitWhen | 'ack'): void {
    if (this.#immediate) return;
    const at = performance.now();
    let due: number;
    if (when === 'now' || this.#pending.length + this.#acks.size >= MAX_BATCH) due = at;
    else if (when === 'soon') due = Math.max(at, this.#lastCommitAt + this.#windowMs);
    else if (this.#timer) return;
    else due = at + (when === 'wire' ? this.#wireGraceMs : this.#windowMs);
    if (due <= at) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#immediate = setImmediate(this.#flushNow);
    } else if (!this.#timer || due < this.#timerDue) {
      clearTimeout(this.#timer);
      this.#timer = setTimeout(this.#flushNow, due - at);
      this.#timerDue = due;
    }
  }

  readonly #flushNow = (): void => this.#flush();

  /** Runs one transaction for everything pending, then settles the enqueues it carried. Never throws. */
  #flush(): void {
    clearTimeout(this.#timer);
    clearImmediate(this.#immediate);
    this.#timer = this.#immediate = undefined;
    // A burst enqueued in one tick can exceed MAX_BATCH; the rest goes in the next commit.
    const batch = this.#pending.splice(0, MAX_BATCH);
    for (const p of batch) if (!p.acked) this.#unacked--;
    const acks = [...this.#acks.keys()];
    if (this.#pending.length) this.#immediate = setImmediate(() => this.#flush());
    if (!batch.length && !acks.length) return;
    // Everything in the batch reached the broker before its commit: nothing to write, no fsync.
    if (!acks.length && batch.every((p) => p.acked)) return;
    let result;
    try {
      result = this.#commitTx(batch, acks);
    } catch (err) {
      // Rolled back: the enqueues were not accepted, and the acks stay queued for the next commit.
      // One line per run of failures (a full disk fails every commit), none per reading.
      if (!this.#failing) this.#log.warn(`outbox: commit of ${batch.length} message(s) failed: ${(err as Error).message}`);
      this.#failing = true;
      for (const p of batch) if (!p.acked) this.#settle(p, err as Error);
      return;
    }
    if (this.#failing) this.#log.info('outbox: commits succeed again');
    this.#failing = false;
    this.#commits++;
    this.#lastCommitAt = performance.now();
    for (const id of acks) this.#acks.delete(id);
    if (result.droppedUpTo >= 0) {
      for (const id of this.#recent.keys()) {
        if (id > result.droppedUpTo) break;
        this.#recent.delete(id);
      }
    }
    for (const p of result.inserted) this.#recent.set(p.msg.id, p.size);
    for (const id of this.#recent.keys()) {
      if (this.#recent.size <= RECENT_SIZES) break;
      this.#recent.delete(id);
    }
    this.#depth = result.depth;
    this.#bytes = result.bytes;
    this.#savedLastId = Math.max(this.#savedLastId, result.lastId);
    if (result.dropped) {
      this.#dropped += result.dropped;
      this.#dropsSinceOpen += result.dropped;
      this.#unwarnedDrops += result.dropped;
      this.#warnDrops(false);
    }
    for (const p of batch) if (!p.acked) this.#settle(p, null);
  }

  /** Tells an enqueue how its commit went; one caller's failing callback never keeps the others from hearing. */
  #settle(p: Pending, err: Error | null): void {
    try {
      p.done(err, p.msg);
    } catch (thrown) {
      this.#log.error({ err: thrown }, `outbox: the caller of message ${p.msg.id} failed on its commit`);
    }
  }

  /** The body of the one transaction: deletes, then room for the batch by dropping the oldest, then inserts. */
  #write(batch: Pending[], acks: number[]): Written {
    // PUBACKs come in about the order the messages went out: one statement per run of ids.
    for (const [from, to] of idRuns(acks)) this.#sql.removeRange.run(from, to);
    const live = batch.filter((p) => !p.acked);
    // #depth and #bytes already leave out the acks just deleted, so they describe the table now.
    let depth = this.#depth + live.length;
    let bytes = this.#bytes + live.reduce((sum, p) => sum + p.size, 0);
    const over = () => depth > this.#maxMessages || bytes > this.#maxBytes;
    let dropped = 0;
    let upTo = -1;
    if (over()) {
      for (const r of this.#sql.oldest.iterate() as IterableIterator<{ id: number; size: number }>) {
        if (!over()) break;
        upTo = r.id;
        depth--;
        bytes -= r.size;
        dropped++;
      }
      if (upTo >= 0) this.#sql.removeUpTo.run(upTo);
    }
    // A batch bigger than the bounds drops its own oldest too; those are still resolved, as dropped.
    let first = 0;
    for (; first < live.length && over(); first++) {
      depth--;
      bytes -= live[first].size;
      dropped++;
    }
    for (let i = first; i < live.length; i++) {
      const { id, topic, payload, qos, retain, ts } = live[i].msg;
      this.#sql.insert.run(id, topic, payload, qos, retain ? 1 : 0, ts, live[i].size);
    }
    // Every id handed out so far, including those of batches that were acknowledged before their
    // commit and so never needed a transaction of their own.
    const lastId = this.#nextId - 1;
    if (this.#savedLastId < lastId) this.#sql.setMeta.run(lastId, 'last_id');
    if (dropped) this.#sql.addMeta.run(dropped, 'dropped');
    return { depth, bytes, dropped, droppedUpTo: upTo, inserted: live.slice(first), lastId };
  }

  /** Logs the drops not yet reported, at most once per DROP_WARN_MS; a timer reports the tail. */
  #warnDrops(final: boolean): void {
    if (!this.#unwarnedDrops) return;
    const wait = this.#lastDropWarn + DROP_WARN_MS - monotonicNow();
    if (wait > 0 && !final) {
      this.#dropWarnTimer ??= setTimeout(() => {
        this.#dropWarnTimer = undefined;
        this.#warnDrops(false);
      }, wait).unref();
      return;
    }
    const n = this.#unwarnedDrops;
    this.#log.warn(
      { dropped: n, totalDropped: this.#dropped, maxMessages: this.#maxMessages, maxBytes: this.#maxBytes },
      `outbox full: dropped the ${n} oldest messages (limits ${this.#maxMessages} messages, ${this.#maxBytes} bytes)`,
    );
    this.#unwarnedDrops = 0;
    this.#lastDropWarn = monotonicNow();
  }
}
