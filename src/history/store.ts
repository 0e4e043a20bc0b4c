/**
 * The history store: every recorded message in `<data>/history.sqlite`, with its payload kept as
 * the bytes that were sent. The `payload` column is BLOB-typed, so SQLite never converts what it
 * holds: bytes that are valid UTF-8 go in as SQLite text (the same bytes; reading a day of them
 * back costs a third of what reading them as blobs does, and JSON conditions need no cast), any
 * other bytes as a blob. SQLite in WAL mode; appends that arrive close together share one
 * transaction (group commit, as the outbox does), and an append counts as accepted only once its
 * transaction has committed. `synchronous = NORMAL`: a commit is in the WAL before it is
 * acknowledged, so it survives hanode crashing or being killed; only a power cut can lose the last
 * commits. The outbox pays an fsync per commit for power cuts too, but better-sqlite3 fsyncs on
 * the event loop, and on a busy SD card that stalls the agent far past 50 ms at 10,000 messages/s.
 *
 * Writes (inserts and deletes) run on a thread of their own ({@link Writer}), queries on another
 * ({@link Reader}), checkpoints on a third ({@link Checkpointer}); the store's own connection
 * answers only the small reads (one record, the latest payload of a topic). Bounds (age, rows,
 * bytes) are enforced by {@link Retention} in small batches.
 */
import Database from 'better-sqlite3';
import { isUtf8 } from 'node:buffer';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { GroupCommit } from './group-commit.js';
import { Checkpointer } from './checkpointer.js';
import { Reader, type RecordsText } from './reader.js';
import { BLOCKS_SCHEMA, TS_MAX, TS_MIN } from './series-blocks.js';
import { Writer } from './writer.js';
import { buildQuery, type RecordFilter } from './query.js';
import { topicMatches } from '../mqtt/topic-match.js';

/** One stored message; `ts` is ms since epoch. `payload` is text when the bytes were UTF-8, else the bytes. */
export interface StoredRecord {
  id: number;
  topic: string;
  payload: Buffer | string;
  ts: number;
}

/** The payload as it is stored: text when the bytes are UTF-8 (same bytes), else the bytes. */
export function storedForm(payload: Buffer | string): Buffer | string {
  if (typeof payload === 'string') return payload;
  return isUtf8(payload) ? payload.toString('utf8') : payload;
}

/** The bytes of a stored payload. */
export function payloadBytes(payload: Buffer | string): Buffer {
  return typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
}

export interface HistoryStoreOptions {
  /** The db file; its directory is created if missing. */
  file: string;
  log: Logger;
  /** Group commit window in ms. Default 20. */
  commitWindowMs?: number;
  /** Records per series block (see series-blocks.ts). Default {@link BLOCK_ROWS}. */
  blockRows?: number;
  /** False: no series blocks are written, and those there are go at open. Default true. */
  seriesBlocks?: boolean;
}

const SCHEMA_VERSION = 2;

const SCHEMA = `
  BEGIN;
  CREATE TABLE records (
    -- AUTOINCREMENT: an id is never given again after its record was deleted, so a D1 after a D5
    -- answers 404, never a newer record that happened to take the same id.
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    topic   TEXT    NOT NULL,
    payload BLOB    NOT NULL,
    ts      INTEGER NOT NULL
  );
  CREATE INDEX records_topic_ts ON records (topic, ts);
  CREATE INDEX records_ts ON records (ts);
  -- Running totals, so bounds are checked without counting millions of rows.
  CREATE TABLE totals (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
  INSERT INTO totals VALUES ('rows', 0), ('bytes', 0);
  ${BLOCKS_SCHEMA}
  PRAGMA user_version = ${SCHEMA_VERSION};
  COMMIT;
`;

/** Version 1 had no series blocks; the writer builds them for the records already there. */
const MIGRATE_FROM_1 = `
  BEGIN;
  ${BLOCKS_SCHEMA}
  PRAGMA user_version = 2;
  COMMIT;
`;

function selectSql(filter: RecordFilter, limit: number, order: 'asc' | 'desc'): { sql: string; params: unknown[] } {
  const { where, params } = buildQuery(filter);
  const dir = order === 'asc' ? 'ASC' : 'DESC';
  return { sql: `SELECT id, topic, payload, ts FROM records ${where} ORDER BY ts ${dir}, id ${dir} LIMIT ?`, params: [...params, limit] };
}

type Append = { topic: string; payload: Buffer | string; ts: number };

export class HistoryStore {
  readonly #db: Database.Database;
  readonly #commit: GroupCommit<Append, StoredRecord>;
  readonly #sql;
  #rows: number;
  #bytes: number;
  #closed = false;
  readonly #checkpointer: Checkpointer;
  readonly #reader: Reader;
  readonly #writer: Writer;

  private constructor(db: Database.Database, opts: HistoryStoreOptions) {
    this.#db = db;
    this.#writer = new Writer({ file: opts.file, log: opts.log, fallback: db, blockRows: opts.blockRows, blocks: opts.seriesBlocks !== false });
    this.#writer.start();
    this.#checkpointer = new Checkpointer({
      file: opts.file,
      log: opts.log,
      onFailure: () => {
        if (this.#closed) return;
        db.pragma('wal_autocheckpoint = 1000');
        this.#writer.autocheckpoint().catch(() => {});
      },
    });
    this.#checkpointer.start();
    this.#reader = new Reader({ file: opts.file, log: opts.log, fallback: db });
    this.#reader.start();
    this.#sql = {
      get: db.prepare('SELECT id, topic, payload, ts FROM records WHERE id = ?'),
      latest: db.prepare('SELECT payload FROM records WHERE topic = ? ORDER BY ts DESC, id DESC LIMIT 1').pluck(),
      totals: db.prepare('SELECT key, value FROM totals'),
      oldestTs: db.prepare('SELECT min(ts) FROM records').pluck(),
      idRange: db.prepare('SELECT min(id) AS lo, max(id) AS hi FROM records'),
      blocks: db.prepare('SELECT count(*) AS blocks, coalesce(sum(rows), 0) AS rows FROM blocks'),
    };
    const totals = Object.fromEntries((this.#sql.totals.all() as { key: string; value: number }[]).map((r) => [r.key, r.value]));
    this.#rows = totals.rows ?? 0;
    this.#bytes = totals.bytes ?? 0;
    this.#commit = new GroupCommit<Append, StoredRecord>({
      windowMs: opts.commitWindowMs ?? 20,
      // The commit runs on the writer's thread; the event loop only packs the batch into one buffer.
      maxBatch: 2_000,
      log: opts.log,
      what: 'history',
      write: async (batch) => {
        const rows = batch.map((r) => ({ topic: r.topic, payload: payloadBytes(r.payload), ts: r.ts }));
        const { ids, bytes } = await this.#writer.insert(rows);
        this.#rows += rows.length;
        this.#bytes += bytes;
        return rows.map((r, i) => ({ id: ids[i], topic: r.topic, payload: storedForm(r.payload), ts: r.ts }));
      },
    });
  }

  /** Opens (or creates) the store. Throws when the file is not a history store of this version. */
  static open(opts: HistoryStoreOptions): HistoryStore {
    mkdirSync(dirname(opts.file), { recursive: true });
    const db = new Database(opts.file);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      // Checkpoints run on a thread of their own (see Checkpointer).
      db.pragma('wal_autocheckpoint = 0');
      db.pragma('journal_size_limit = 16777216');
      const version = db.pragma('user_version', { simple: true }) as number;
      const tables = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table'").pluck().get() as number;
      if (version === 0 && tables === 0) db.exec(SCHEMA);
      else if (version === 1) db.exec(MIGRATE_FROM_1);
      else if (version !== SCHEMA_VERSION) throw new Error(`${opts.file}: history schema version ${version}, expected ${SCHEMA_VERSION}`);
      if (opts.seriesBlocks === false) db.exec('DELETE FROM blocks');
      // Query conditions on topics use MQTT wildcards; SQLite calls this only for rows left after the index.
      db.function('mqtt_match', { deterministic: true }, (filter, topic) => (topicMatches(String(filter), String(topic)) ? 1 : 0));
    } catch (err) {
      db.close();
      throw err;
    }
    return new HistoryStore(db, opts);
  }

  /** Adds a record; resolves with it (and its id) once its transaction is on disk. */
  append(r: Append): Promise<StoredRecord> {
    if (this.#closed) return Promise.reject(new Error('history store is closed'));
    return this.#commit.add(r);
  }

  /** Adds a record nobody waits for (recording): cheaper than {@link append}; a failed commit is logged and counted. */
  record(r: Append): void {
    if (!this.#closed) this.#commit.push(r);
  }

  get(id: number): StoredRecord | undefined {
    return this.#sql.get.get(id) as StoredRecord | undefined;
  }

  /** The newest stored payload of `topic`, to tell a retained message seen again from a new one. */
  latestPayload(topic: string): Buffer | undefined {
    const p = this.#sql.latest.get(topic) as Buffer | string | undefined;
    return p === undefined ? undefined : payloadBytes(p);
  }

  /** Records matching `filter`, at most `limit`, ordered by time; runs on the query thread, so the agent never waits for it. */
  async query(filter: RecordFilter, limit: number, order: 'asc' | 'desc'): Promise<StoredRecord[]> {
    if (this.#closed) throw new Error('history store is closed');
    if (!this.#reader.running) return this.find(filter, limit, order);
    const { sql, params } = selectSql(filter, limit, order);
    return this.#reader.records(sql, params);
  }

  /**
   * The D2/D3 response body for `filter`, `{"records":[…]}` in UTF-8 chunks, written on the query
   * thread. One topic over a time range (no wildcard, no condition) reads series blocks.
   */
  async recordsText(filter: RecordFilter, limit: number, order: 'asc' | 'desc'): Promise<RecordsText> {
    if (this.#closed) throw new Error('history store is closed');
    const { topic } = filter;
    if (topic !== undefined && !/[+#]/.test(topic) && filter.field === undefined && filter.before === undefined && !filter.ids) {
      return this.#reader.text({ op: 'series', topic, lo: filter.from ?? TS_MIN, hi: filter.to ?? TS_MAX, limit, desc: order === 'desc' });
    }
    const { sql, params } = selectSql(filter, limit, order);
    return this.#reader.text({ op: 'text', sql, params });
  }

  /** Writes every series block that is due now (they are otherwise written as records arrive); how many. */
  buildBlocks(): Promise<number> {
    return this.#writer.buildBlocks();
  }

  /** Series blocks stored, and the records they hold. */
  blockStats(): { blocks: number; rows: number } {
    return this.#sql.blocks.get() as { blocks: number; rows: number };
  }

  /** {@link query} on this thread: blocks the event loop for as long as SQLite takes. */
  find(filter: RecordFilter, limit: number, order: 'asc' | 'desc'): StoredRecord[] {
    const { sql, params } = selectSql(filter, limit, order);
    return this.#db.prepare(sql).all(...params) as StoredRecord[];
  }

  /** Deletes one record; false when there is none. */
  async remove(id: number): Promise<boolean> {
    const size = await this.#writer.remove(id);
    if (size === null) return false;
    this.#rows -= 1;
    this.#bytes -= size;
    return true;
  }

  /**
   * Deletes up to `batch` records matching `filter` (oldest first) in one short transaction and
   * resolves with how many went; callers loop, so a big delete is many small ones.
   */
  async removeMatching(filter: RecordFilter, batch: number): Promise<number> {
    const { where, params } = buildQuery(filter);
    const sql = `DELETE FROM records WHERE id IN (SELECT id FROM records ${where} ORDER BY ts, id LIMIT ?) RETURNING octet_length(topic) + octet_length(payload) AS size`;
    const { n, bytes } = await this.#writer.removeWhere(sql, [...params, batch]);
    this.#rows -= n;
    this.#bytes -= bytes;
    return n;
  }

  /** The lowest and highest id stored, or undefined when empty. */
  idRange(): [number, number] | undefined {
    const r = this.#sql.idRange.get() as { lo: number | null; hi: number | null };
    return r.lo === null || r.hi === null ? undefined : [r.lo, r.hi];
  }

  /** Deletes the `n` oldest records; resolves with how many went. */
  removeOldest(n: number): Promise<number> {
    return this.removeMatching({}, n);
  }

  stats(): { rows: number; bytes: number; pending: number; commits: number; failed: number; oldestTs: number | null } {
    return {
      failed: this.#commit.failed,
      rows: this.#rows,
      bytes: this.#bytes,
      pending: this.#commit.pending,
      commits: this.#commit.commits,
      oldestTs: this.#closed ? null : ((this.#sql.oldestTs.get() as number | null) ?? null),
    };
  }

  /** Commits what is pending, ends the checkpoint thread and closes the file. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#commit.close();
    await this.#writer.stop();
    await this.#reader.stop();
    await this.#checkpointer.stop();
    this.#db.close();
  }
}
