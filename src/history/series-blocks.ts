/**
 * Series blocks: a day of one topic at 1 Hz is 86,400 records, and handing 86,400 rows from
 * SQLite to JavaScript and writing each as JSON costs about 2 µs a row on a small machine, far
 * more than SQLite's own work. So the writer keeps, beside the records, each topic's settled
 * records already written out as the API's JSON, `blockRows` at a time, and a query of one topic
 * over a time range copies whole blocks and renders only the rows no block holds yet (the newest
 * ones, usually).
 *
 * - A block holds every record of its topic whose `ts` lies in `[first_ts, last_ts]`: it ends
 *   where the time moves on, never in the middle of one ms, and blocks of a topic never overlap.
 * - Triggers keep that true whatever writes: a record inserted or deleted within a block's range
 *   (D4 with an old `ts`, D5, D6, retention) deletes the block, in the same transaction; its
 *   records are then read as rows until they go. Nothing reads a block that lost a record.
 * - A block's `keys` are each row's `ts` (float64) then the end of its text in `body` (uint32),
 *   little-endian; rows in `body` are separated by commas.
 * - The cost is disk: a block holds about as many bytes again as its records.
 *
 * This file holds the tables and the code the writer and the query thread run (as source: the
 * threads cannot load TypeScript).
 */
import { recordTextSource } from './record-text.js';

/** Rows per block unless the store is told otherwise. */
export const BLOCK_ROWS = 1024;

/** Lower and upper bounds of any `ts` (what `Date` can hold). */
export const TS_MIN = -8.64e15;
export const TS_MAX = 8.64e15;

export const BLOCKS_SCHEMA = `
  -- A rowid table with its own index: lookups go through the small index entries only. (Keyed
  -- WITHOUT ROWID, every step of a search would read a whole block's bytes to compare keys.)
  CREATE TABLE blocks (
    id       INTEGER PRIMARY KEY,
    topic    TEXT    NOT NULL,
    last_ts  INTEGER NOT NULL,
    first_ts INTEGER NOT NULL,
    rows     INTEGER NOT NULL,
    keys     BLOB    NOT NULL,
    body     BLOB    NOT NULL
  );
  CREATE INDEX blocks_range ON blocks (topic, last_ts, first_ts, rows);
  -- The block whose range holds a ts is the first one that ends at or after it, if it starts at or
  -- before it: one probe of the index per record written.
  CREATE TRIGGER blocks_insert AFTER INSERT ON records BEGIN
    DELETE FROM blocks WHERE id = (SELECT CASE WHEN first_ts <= NEW.ts THEN id END FROM blocks WHERE topic = NEW.topic AND last_ts >= NEW.ts ORDER BY last_ts LIMIT 1);
  END;
  CREATE TRIGGER blocks_delete AFTER DELETE ON records BEGIN
    DELETE FROM blocks WHERE id = (SELECT CASE WHEN first_ts <= OLD.ts THEN id END FROM blocks WHERE topic = OLD.topic AND last_ts >= OLD.ts ORDER BY last_ts LIMIT 1);
  END;
  CREATE TRIGGER blocks_update AFTER UPDATE ON records BEGIN
    DELETE FROM blocks WHERE id = (SELECT CASE WHEN first_ts <= OLD.ts THEN id END FROM blocks WHERE topic = OLD.topic AND last_ts >= OLD.ts ORDER BY last_ts LIMIT 1);
    DELETE FROM blocks WHERE id = (SELECT CASE WHEN first_ts <= NEW.ts THEN id END FROM blocks WHERE topic = NEW.topic AND last_ts >= NEW.ts ORDER BY last_ts LIMIT 1);
  END;
`;

/**
 * For the writer: `noteInserted(topic)` after each insert and `scheduleBlocks()` after each
 * transaction. Once a topic has more than `blockRows` records no block holds, blocks are written
 * one per turn of the thread's event loop (inserts waiting meanwhile go first), oldest first, until
 * fewer are left. Only records followed by a newer one are settled enough for a block.
 */
export function builderCode(): string {
  return `
${recordTextSource()}
const BLOCK_ROWS = (workerData.extra && workerData.extra.blockRows) || ${BLOCK_ROWS};
const blockFresh = new Map();
let blockTimer = null;
const blockFrontier = db.prepare('SELECT max(last_ts) FROM blocks WHERE topic = ?').pluck();
const blockRowsAfter = db.prepare('SELECT id, payload, ts FROM records WHERE topic = ? AND ts > ? ORDER BY ts, id LIMIT ?').raw(true);
const blockInsert = db.prepare('INSERT INTO blocks (topic, last_ts, first_ts, rows, keys, body) VALUES (?, ?, ?, ?, ?, ?)');
const BLOCKS_ON = !(workerData.extra && workerData.extra.blocks === false);
function noteInserted(topic) { if (BLOCKS_ON) blockFresh.set(topic, (blockFresh.get(topic) || 0) + 1); }
function scheduleBlocks() {
  if (blockTimer !== null) return;
  for (const n of blockFresh.values()) if (n > BLOCK_ROWS) { blockTimer = setImmediate(buildDue); return; }
}
function buildDue() {
  blockTimer = null;
  if (!db.open) return;
  for (const [topic, n] of blockFresh) {
    if (n <= BLOCK_ROWS) continue;
    try {
      const left = buildBlock(topic);
      // To the back of the queue: every due topic gets its turn.
      blockFresh.delete(topic);
      if (left > 0) blockFresh.set(topic, left);
    } catch (err) {
      blockFresh.delete(topic);
      notify('could not write a series block for ' + topic + ': ' + ((err && err.message) || err));
    }
    break;
  }
  scheduleBlocks();
}
/** Writes the topic's next block if it has one; how many of its records are left without (at least). */
function buildBlock(topic) {
  const frontier = blockFrontier.get(topic);
  const rows = blockRowsAfter.all(topic, frontier === null ? ${TS_MIN} : frontier, BLOCK_ROWS + 1);
  if (rows.length <= BLOCK_ROWS) return rows.length;
  let end = BLOCK_ROWS;
  while (end > 0 && rows[end - 1][2] === rows[end][2]) end--;
  // A whole block's worth of records in one ms: leave them to be read as rows.
  if (end === 0) return 0;
  const parts = new Array(end);
  const keys = Buffer.alloc(end * 12);
  let size = 0;
  for (let i = 0; i < end; i++) {
    const r = rows[i];
    parts[i] = recordText(r[0], topic, r[1], r[2]);
    size += Buffer.byteLength(parts[i]) + (i === 0 ? 0 : 1);
    keys.writeDoubleLE(r[2], i * 8);
    keys.writeUInt32LE(size, end * 8 + i * 4);
  }
  const body = Buffer.from(parts.join(','));
  if (body.length !== size) throw new Error('block text is ' + body.length + ' bytes, its keys say ' + size);
  blockInsert.run(topic, rows[end - 1][2], rows[0][2], end, keys, body);
  // More may wait (a store that had no blocks yet): look again on the next turn.
  return BLOCK_ROWS + 1;
}
// Records stored before this start (or before the store had blocks) get theirs too. The topics
// come one index probe each (SELECT DISTINCT would read the whole index: seconds for millions).
const nextTopic = db.prepare('SELECT min(topic) FROM records WHERE topic > ?').pluck();
if (BLOCKS_ON) for (let t = nextTopic.get(''); t !== null; t = nextTopic.get(t)) blockFresh.set(t, BLOCK_ROWS + 1);
scheduleBlocks();
function beforeClose() { if (blockTimer !== null) clearImmediate(blockTimer); blockTimer = null; }
`;
}

/**
 * For the query thread: `recordsText(message)` answers a query as the D2/D3 response body,
 * `{"records":[…]}`, in UTF-8 chunks. `series` (one topic, a time range) reads blocks and renders
 * only the rows between them; `rows` runs the given SELECT and renders every row.
 */
export function textCode(): string {
  return `
${recordTextSource()}
const textEncoder = new TextEncoder();
const blockList = db.prepare('SELECT first_ts, last_ts, rows FROM blocks WHERE topic = ? AND last_ts >= ? AND first_ts <= ? ORDER BY last_ts').raw(true);
const blockData = db.prepare('SELECT keys, body FROM blocks WHERE topic = ? AND last_ts = ?').raw(true);
const rowsAsc = db.prepare('SELECT id, topic, payload, ts FROM records WHERE topic = ? AND ts >= ? AND ts <= ? ORDER BY ts ASC, id ASC LIMIT ?').raw(true);
const rowsDesc = db.prepare('SELECT id, topic, payload, ts FROM records WHERE topic = ? AND ts >= ? AND ts <= ? ORDER BY ts DESC, id DESC LIMIT ?').raw(true);
const COMMA = 44;
// Past this the chunks cross to the main thread as they are (transferred, not copied).
const ONE_PIECE = 4 * 1024 * 1024;

function addRows(out, rows) {
  if (rows.length === 0) return;
  const parts = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) parts[i] = recordText(rows[i][0], rows[i][1], rows[i][2], rows[i][3]);
  addBytes(out, textEncoder.encode(parts.join(',')), rows.length);
}
function addBytes(out, bytes, n) {
  if (n === 0) return;
  if (out.count > 0) { out.chunks.push(textEncoder.encode(',')); out.size += 1; }
  out.chunks.push(bytes);
  out.size += bytes.length;
  out.count += n;
}
/** The rows of one block with ts in [a, b], at most \`take\`, in the order asked. */
function addBlock(out, keys, body, n, a, b, take, desc) {
  const view = new DataView(keys.buffer, keys.byteOffset, keys.byteLength);
  const tsAt = (i) => view.getFloat64(i * 8, true);
  const endAt = (i) => view.getUint32(n * 8 + i * 4, true);
  const startAt = (i) => (i === 0 ? 0 : endAt(i - 1) + 1);
  let lo = 0, hi = n;
  while (lo < hi) { const m = (lo + hi) >> 1; if (tsAt(m) < a) lo = m + 1; else hi = m; }
  const s = lo;
  hi = n;
  while (lo < hi) { const m = (lo + hi) >> 1; if (tsAt(m) <= b) lo = m + 1; else hi = m; }
  const e = lo;
  if (e <= s) return;
  if (!desc) {
    const last = Math.min(e, s + take);
    addBytes(out, body.subarray(startAt(s), endAt(last - 1)), last - s);
    return;
  }
  const first = Math.max(s, e - take);
  let size = 0;
  for (let i = e - 1; i >= first; i--) size += endAt(i) - startAt(i) + (i === e - 1 ? 0 : 1);
  const copy = new Uint8Array(size);
  let at = 0;
  for (let i = e - 1; i >= first; i--) {
    if (i !== e - 1) copy[at++] = COMMA;
    copy.set(body.subarray(startAt(i), endAt(i)), at);
    at += endAt(i) - startAt(i);
  }
  addBytes(out, copy, e - first);
}
function series(out, { topic, lo, hi, limit, desc }) {
  const list = blockList.all(topic, lo, hi);
  if (desc) list.reverse();
  let cursor = desc ? hi : lo;
  const gap = (a, b) => { if (a <= b && out.count < limit) addRows(out, (desc ? rowsDesc : rowsAsc).all(topic, a, b, limit - out.count)); };
  for (const [first, last, n] of list) {
    if (out.count >= limit) break;
    if (desc) gap(last + 1, cursor); else gap(cursor, first - 1);
    if (out.count >= limit) break;
    const [keys, body] = blockData.get(topic, last);
    addBlock(out, keys, body, n, Math.max(lo, first), Math.min(hi, last), limit - out.count, desc);
    cursor = desc ? first - 1 : last + 1;
  }
  if (desc) gap(lo, cursor); else gap(cursor, hi);
}
const readText = db.transaction((m) => {
  const out = { chunks: [], size: 0, count: 0 };
  if (m.op === 'series') series(out, m);
  else addRows(out, statement(m.sql).all(...m.params));
  return out;
});
function recordsText(m) {
  const out = readText(m);
  const head = textEncoder.encode('{"records":['), tail = textEncoder.encode(']}');
  if (out.size <= ONE_PIECE) {
    const one = new Uint8Array(head.length + out.size + tail.length);
    let at = 0;
    for (const c of [head, ...out.chunks, tail]) { one.set(c, at); at += c.length; }
    return { result: { count: out.count, chunks: [one] }, transfer: [one.buffer] };
  }
  const chunks = [head, ...out.chunks, tail];
  return { result: { count: out.count, chunks }, transfer: [...new Set(chunks.map((c) => c.buffer))] };
}
`;
}
