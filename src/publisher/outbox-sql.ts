/**
 * The outbox's SQLite file: schema, pragmas, and an open path that turns a corrupt, unreadable
 * or foreign file into a fresh empty one instead of a failed start (the agent must always start).
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';

/** Stored in `PRAGMA user_version`; a file with any other version is treated as unusable. */
export const SCHEMA_VERSION = 1;

/** The counters kept in the `meta` table, so they survive restarts. */
export type MetaKey = 'last_id' | 'dropped' | 'corrupt_recoveries';

const SCHEMA = `
  BEGIN;
  CREATE TABLE messages (
    id      INTEGER PRIMARY KEY,   -- assigned by Outbox from meta.last_id, so never reused
    topic   TEXT    NOT NULL,
    payload BLOB    NOT NULL,
    qos     INTEGER NOT NULL,
    retain  INTEGER NOT NULL,
    ts      INTEGER NOT NULL,
    size    INTEGER NOT NULL       -- topic + payload bytes: bounds and acks never re-measure a row
  );
  CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
  INSERT INTO meta VALUES ('last_id', 0), ('dropped', 0), ('corrupt_recoveries', 0);
  PRAGMA user_version = ${SCHEMA_VERSION};
  COMMIT;
`;

const COLUMNS: Record<string, string[]> = {
  messages: ['id', 'topic', 'payload', 'qos', 'retain', 'ts', 'size'],
  meta: ['key', 'value'],
};

/** The suffixes SQLite may keep next to the main file; all of them move aside together. */
const SIDE_FILES = ['-wal', '-shm', '-journal'];

/** What `openOutboxDb` found and did. */
export interface OpenedOutboxDb {
  db: Database.Database;
  /** True when the file was moved aside and this db is a fresh one. */
  recovered: boolean;
  /** False only in the last resort, when no file could be opened and the db lives in memory. */
  durable: boolean;
}

/**
 * How to report a recovery; the same shape as `OutboxOptions.onCorrupt`. `movedTo` is where an
 * unusable file went; it is absent when nothing was moved (a file that could not be opened at all,
 * in a read-only or full directory, is left where it is and the outbox lives in memory).
 */
export type CorruptHandler = (info: { file: string; movedTo?: string; error: string }) => void;

/** Errors that say the place cannot be written, not that the file is damaged: such a file is never moved aside. */
const UNWRITABLE = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'ENOTDIR', 'EEXIST', 'SQLITE_CANTOPEN', 'SQLITE_READONLY', 'SQLITE_FULL', 'SQLITE_PERM', 'SQLITE_IOERR']);

function inMemory(file: string, error: string, log: Logger, onCorrupt?: CorruptHandler): OpenedOutboxDb {
  log.error({ file, error }, `outbox ${file} cannot be opened or written (${error}); keeping the outbox in memory, so readings will not survive a restart`);
  report(onCorrupt, { file, error }, log);
  const db = openChecked(':memory:');
  return { db, recovered: false, durable: false };
}

/**
 * Opens (or creates) the outbox db in WAL mode with `synchronous = FULL`. If the file is not
 * SQLite, fails `quick_check`, or has a schema we cannot use, it is closed, renamed aside with its
 * side files to `<file>.corrupt-<ISO time>`, reported, and replaced by a fresh db. Never throws.
 */
export function openOutboxDb(file: string, log: Logger, onCorrupt?: CorruptHandler): OpenedOutboxDb {
  let error: string;
  try {
    mkdirSync(dirname(file), { recursive: true });
    return { db: openChecked(file), recovered: false, durable: true };
  } catch (err) {
    error = (err as Error).message;
    const code = String((err as NodeJS.ErrnoException).code ?? '');
    if (UNWRITABLE.has(code) || code.startsWith('SQLITE_IOERR')) return inMemory(file, error, log, onCorrupt);
  }

  const movedTo = `${file}.corrupt-${new Date().toISOString()}`;
  try {
    if (existsSync(file)) renameSync(file, movedTo);
    for (const suffix of SIDE_FILES) if (existsSync(file + suffix)) renameSync(file + suffix, movedTo + suffix);
    const db = openChecked(file);
    db.prepare("UPDATE meta SET value = value + 1 WHERE key = 'corrupt_recoveries'").run();
    log.warn({ file, movedTo, error }, `outbox ${file} is unusable (${error}); moved it aside to ${movedTo} and started with an empty outbox`);
    report(onCorrupt, { file, movedTo, error }, log);
    return { db, recovered: true, durable: true };
  } catch (err) {
    // Nothing writable at all (read-only or full file system): keep the agent running, loudly.
    return inMemory(file, `${error}; then ${(err as Error).message}`, log, onCorrupt);
  }
}

function report(onCorrupt: CorruptHandler | undefined, info: Parameters<CorruptHandler>[0], log: Logger): void {
  try {
    onCorrupt?.(info);
  } catch (err) {
    log.error({ err }, 'outbox onCorrupt handler failed');
  }
}

/** Opens read-write with our pragmas and schema, after a read-only inspection of an existing file. */
function openChecked(file: string): Database.Database {
  if (file !== ':memory:' && existsSync(file)) inspect(file);
  const db = new Database(file);
  try {
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (file !== ':memory:' && mode !== 'wal') throw new Error(`journal_mode is ${String(mode)}, not wal`);
    // FULL in WAL mode fsyncs the WAL on every commit: an acknowledged enqueue survives a power cut.
    db.pragma('synchronous = FULL');
    // A big drain leaves a big WAL behind; give the space back after each checkpoint.
    db.pragma('journal_size_limit = 16777216');
    if (schemaState(db) === 'fresh') db.exec(SCHEMA);
    else db.prepare("INSERT OR IGNORE INTO meta VALUES ('last_id', 0), ('dropped', 0), ('corrupt_recoveries', 0)").run();
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Integrity and schema checks on a read-only handle. Read-only matters: closing a read-write
 * handle on a file SQLite cannot read deletes its -wal, and switching to WAL rewrites the header,
 * so a bad file would not reach its rename untouched.
 */
function inspect(file: string): void {
  const db = new Database(file, { readonly: true });
  try {
    // The first read of the header is here: garbage fails with SQLITE_NOTADB, a cut file with SQLITE_CORRUPT.
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`quick_check: ${String(check)}`);
    schemaState(db);
  } finally {
    db.close();
  }
}

/** 'fresh' for a file with no tables yet, 'ours' for our schema; throws for anything else. */
function schemaState(db: Database.Database): 'fresh' | 'ours' {
  const version = db.pragma('user_version', { simple: true }) as number;
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
  if (version === 0 && tables.length === 0) return 'fresh';
  if (version !== SCHEMA_VERSION) throw new Error(`schema version ${version}, expected ${SCHEMA_VERSION}`);
  for (const [table, want] of Object.entries(COLUMNS)) {
    const have = (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
    const missing = want.filter((c) => !have.includes(c));
    if (missing.length) throw new Error(`table ${table} lacks ${missing.join(', ')}`);
  }
  return 'ours';
}

/** Reads one meta counter (0 when absent). */
export function readMeta(db: Database.Database, key: MetaKey): number {
  return (db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(key) as number | undefined) ?? 0;
}

/** Every statement the outbox runs, prepared once. */
export function prepareStatements(db: Database.Database) {
  return {
    insert: db.prepare('INSERT INTO messages (id, topic, payload, qos, retain, ts, size) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    removeRange: db.prepare('DELETE FROM messages WHERE id BETWEEN ? AND ?'),
    removeUpTo: db.prepare('DELETE FROM messages WHERE id <= ?'),
    sizeOf: db.prepare('SELECT size FROM messages WHERE id = ?').pluck(),
    oldest: db.prepare('SELECT id, size FROM messages ORDER BY id'),
    after: db.prepare('SELECT id, topic, payload, qos, retain, ts FROM messages WHERE id > ? ORDER BY id'),
    first: db.prepare('SELECT id, ts FROM messages ORDER BY id'),
    last: db.prepare('SELECT id, ts FROM messages ORDER BY id DESC'),
    addMeta: db.prepare('UPDATE meta SET value = value + ? WHERE key = ?'),
    setMeta: db.prepare('UPDATE meta SET value = ? WHERE key = ?'),
  };
}

/** The prepared statements `Outbox` uses. */
export type OutboxStatements = ReturnType<typeof prepareStatements>;
