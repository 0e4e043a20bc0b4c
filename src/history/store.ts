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
 * Reads run on the same connection, between commits, and are bounded by `limit`; bounds (age,
 * rows, bytes) are enforced by {@link Retention} in small batches.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { GroupCommit } from './group-commit.js';
import { Checkpointer } from './checkpointer.js';
import { Reader } from './reader.js';
import { buildQuery, type RecordFilter } from './query.js';
import { topicMatches } from '../mqtt/topic-match.js';

/** One stored message; `ts` is ms since epoch. `payload` is text when the bytes were UTF-8, else the bytes. */
export interface StoredRecord {
  id: number;
  topic: string;
  payload: Buffer | string;
  ts: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The payload as it is stored: text when the bytes are UTF-8 (same bytes), else the bytes. */
export function storedForm(payload: Buffer | string): Buffer | string {
  if (typeof payload === 'string') return payload;
  try {
    return utf8.decode(payload);
  } catch {
    return payload;
  }
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
}

const SCHEMA_VERSION = 1;

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
  PRAGMA user_version = ${SCHEMA_VERSION};
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

  private constructor(db: Database.Database, opts: HistoryStoreOptions) {
    this.#db = db;
    this.#checkpointer = new Checkpointer({ file: opts.file, log: opts.log, onFailure: () => !this.#closed && db.pragma('wal_autocheckpoint = 1000') });
    this.#checkpointer.start();
    this.#reader = new Reader({ file: opts.file, log: opts.log });
    this.#reader.start();
    this.#sql = {
      insert: db.prepare('INSERT INTO records (topic, payload, ts) VALUES (?, ?, ?)'),
      get: db.prepare('SELECT id, topic, payload, ts FROM records WHERE id = ?'),
      remove: db.prepare('DELETE FROM records WHERE id = ? RETURNING octet_length(topic) + octet_length(payload) AS size'),
      latest: db.prepare('SELECT payload FROM records WHERE topic = ? ORDER BY ts DESC, id DESC LIMIT 1').pluck(),
      addTotals: db.prepare("UPDATE totals SET value = value + ? WHERE key = ?"),
      totals: db.prepare('SELECT key, value FROM totals'),
      oldestTs: db.prepare('SELECT min(ts) FROM records').pluck(),
      idRange: db.prepare('SELECT min(id) AS lo, max(id) AS hi FROM records'),
    };
    const totals = Object.fromEntries((this.#sql.totals.all() as { key: string; value: number }[]).map((r) => [r.key, r.value]));
    this.#rows = totals.rows ?? 0;
    this.#bytes = totals.bytes ?? 0;
    const insertAll = db.transaction((batch: Append[]) => {
      const out: StoredRecord[] = [];
      let bytes = 0;
      for (const r of batch) {
        const payload = storedForm(r.payload);
        const { lastInsertRowid } = this.#sql.insert.run(r.topic, payload, r.ts);
        out.push({ id: Number(lastInsertRowid), topic: r.topic, payload, ts: r.ts });
        bytes += Buffer.byteLength(r.topic) + (typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length);
      }
      this.#sql.addTotals.run(batch.length, 'rows');
      this.#sql.addTotals.run(bytes, 'bytes');
      return { out, bytes };
    });
    this.#commit = new GroupCommit<Append, StoredRecord>({
      windowMs: opts.commitWindowMs ?? 20,
      // A commit of 500 short rows takes a few ms; bigger ones would hold the event loop too long.
      maxBatch: 500,
      log: opts.log,
      what: 'history',
      write: (batch) => {
        const { out, bytes } = insertAll(batch);
        this.#rows += out.length;
        this.#bytes += bytes;
        return out;
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
      else if (version !== SCHEMA_VERSION) throw new Error(`${opts.file}: history schema version ${version}, expected ${SCHEMA_VERSION}`);
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

  /** {@link query} on this thread: blocks the event loop for as long as SQLite takes. */
  find(filter: RecordFilter, limit: number, order: 'asc' | 'desc'): StoredRecord[] {
    const { sql, params } = selectSql(filter, limit, order);
    return this.#db.prepare(sql).all(...params) as StoredRecord[];
  }

  /** Deletes one record; false when there is none. */
  remove(id: number): boolean {
    return this.#db.transaction(() => {
      const row = this.#sql.remove.get(id) as { size: number } | undefined;
      if (!row) return false;
      this.#count(-1, -row.size);
      return true;
    })();
  }

  /**
   * Deletes up to `batch` records matching `filter` (oldest first) in one short transaction and
   * returns how many went; callers loop, yielding between batches, so a big delete never stalls.
   */
  removeMatching(filter: RecordFilter, batch: number): number {
    const { where, params } = buildQuery(filter);
    const run = this.#db.transaction(() => {
      const gone = this.#db
        .prepare(`DELETE FROM records WHERE id IN (SELECT id FROM records ${where} ORDER BY ts, id LIMIT ?) RETURNING octet_length(topic) + octet_length(payload) AS size`)
        .all(...params, batch) as { size: number }[];
      const bytes = gone.reduce((s, r) => s + r.size, 0);
      if (gone.length) {
        this.#sql.addTotals.run(-gone.length, 'rows');
        this.#sql.addTotals.run(-bytes, 'bytes');
      }
      return { n: gone.length, bytes };
    });
    const { n, bytes } = run();
    this.#rows -= n;
    this.#bytes -= bytes;
    return n;
  }

  /** The lowest and highest id stored, or undefined when empty. */
  idRange(): [number, number] | undefined {
    const r = this.#sql.idRange.get() as { lo: number | null; hi: number | null };
    return r.lo === null || r.hi === null ? undefined : [r.lo, r.hi];
  }

  /** Deletes the `n` oldest records; returns how many went. */
  removeOldest(n: number): number {
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
    this.#commit.close();
    this.#closed = true;
    await this.#reader.stop();
    await this.#checkpointer.stop();
    this.#db.close();
  }

  #count(rows: number, bytes: number): void {
    this.#sql.addTotals.run(rows, 'rows');
    this.#sql.addTotals.run(bytes, 'bytes');
    this.#rows += rows;
    this.#bytes += bytes;
  }
}
