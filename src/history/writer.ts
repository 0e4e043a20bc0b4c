/**
 * The history's writes on a thread of their own. A commit of a few hundred rows, and the fsync
 * SQLite does when the WAL grows, would otherwise run on the event loop: at 10,000 messages/s that
 * is the agent standing still for tens of ms at a time. The main thread packs each batch into one
 * buffer (payload bytes back to back, topics and times beside them) and transfers it; the thread
 * inserts it in one transaction and answers with the ids.
 */
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { SqliteThread } from './sqlite-thread.js';
import { builderCode } from './series-blocks.js';

// Bytes that are valid UTF-8 are stored as text (see store.ts), anything else as a blob.
const CODE = `
const { isUtf8 } = require('node:buffer');
// Per connection: commits reach the WAL before they are acknowledged; checkpoints are the checkpoint thread's.
db.pragma('synchronous = NORMAL');
db.pragma('wal_autocheckpoint = 0');
const insert = db.prepare('INSERT INTO records (topic, payload, ts) VALUES (?, ?, ?)');
const addTotals = db.prepare('UPDATE totals SET value = value + ? WHERE key = ?');
const removeOne = db.prepare('DELETE FROM records WHERE id = ? RETURNING octet_length(topic) + octet_length(payload) AS size');
${builderCode()}
const count = (rows, bytes) => { addTotals.run(rows, 'rows'); addTotals.run(bytes, 'bytes'); };
const insertAll = db.transaction(({ topics, ts, offsets, data }) => {
  const ids = new Float64Array(topics.length);
  let bytes = 0;
  const all = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  for (let i = 0; i < topics.length; i++) {
    const raw = all.subarray(offsets[i], offsets[i + 1]);
    const payload = isUtf8(raw) ? raw.toString('utf8') : Buffer.from(raw);
    ids[i] = Number(insert.run(topics[i], payload, ts[i]).lastInsertRowid);
    bytes += Buffer.byteLength(topics[i]) + raw.length;
    noteInserted(topics[i]);
  }
  count(topics.length, bytes);
  return { ids, bytes };
});
const removeById = db.transaction((id) => {
  const row = removeOne.get(id);
  if (!row) return null;
  count(-1, -row.size);
  return row.size;
});
const removeWhere = db.transaction((sql, params) => {
  const gone = db.prepare(sql).all(...params);
  let bytes = 0;
  for (const r of gone) bytes += r.size;
  if (gone.length) count(-gone.length, -bytes);
  return { n: gone.length, bytes };
});
function handle(m) {
  if (m.op === 'insert') {
    const result = insertAll(m);
    scheduleBlocks();
    return { result, transfer: [result.ids.buffer] };
  }
  if (m.op === 'remove') return { result: removeById(m.id) };
  if (m.op === 'removeWhere') return { result: removeWhere(m.sql, m.params) };
  if (m.op === 'blocks') {
    let built = 0;
    if (!BLOCKS_ON) return { result: built };
    for (let topic = nextTopic.get(''); topic !== null; topic = nextTopic.get(topic)) {
      while (buildBlock(topic) > BLOCK_ROWS) built++;
    }
    return { result: built };
  }
  if (m.op === 'autocheckpoint') { db.pragma('wal_autocheckpoint = 1000'); return { result: null }; }
  throw new Error('unknown history write: ' + m.op);
}
`;

export interface Insert {
  topic: string;
  payload: Buffer;
  ts: number;
}

export class Writer {
  readonly #thread: SqliteThread;

  constructor(opts: { file: string; log: Logger; fallback: Database.Database; blockRows?: number; blocks?: boolean }) {
    const extra = { blockRows: opts.blockRows, blocks: opts.blocks !== false };
    this.#thread = new SqliteThread({ name: 'write', file: opts.file, code: CODE, log: opts.log, fallback: opts.fallback, extra });
  }

  start(): void {
    this.#thread.start();
  }

  /** Inserts the batch in one transaction; resolves with the ids, in order, and the bytes added. */
  insert(batch: Insert[]): Promise<{ ids: Float64Array; bytes: number }> {
    const offsets = new Uint32Array(batch.length + 1);
    let size = 0;
    for (let i = 0; i < batch.length; i++) {
      offsets[i] = size;
      size += batch[i].payload.length;
    }
    offsets[batch.length] = size;
    const data = new Uint8Array(size);
    for (let i = 0; i < batch.length; i++) data.set(batch[i].payload, offsets[i]);
    const ts = Float64Array.from(batch, (r) => r.ts);
    const body = { op: 'insert', topics: batch.map((r) => r.topic), ts, offsets, data };
    return this.#thread.call(body, [data.buffer, ts.buffer, offsets.buffer]);
  }

  /** Deletes one record; its size (topic + payload bytes), or null when there is none. */
  remove(id: number): Promise<number | null> {
    return this.#thread.call({ op: 'remove', id });
  }

  /** Runs a `DELETE … RETURNING <size> AS size` in one transaction; how many went and their bytes. */
  removeWhere(sql: string, params: unknown[]): Promise<{ n: number; bytes: number }> {
    return this.#thread.call({ op: 'removeWhere', sql, params });
  }

  /** Writes every series block that is due now, for every topic (a store opened on old records); how many. */
  buildBlocks(): Promise<number> {
    return this.#thread.call({ op: 'blocks' });
  }

  /** When checkpoints cannot run on their own thread, the writer's connection checkpoints as SQLite does by default. */
  autocheckpoint(): Promise<void> {
    return this.#thread.call({ op: 'autocheckpoint' });
  }

  /** Waits for the writes already sent, then closes. */
  stop(): Promise<void> {
    return this.#thread.stop();
  }
}
