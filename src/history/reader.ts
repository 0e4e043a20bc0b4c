/**
 * Record queries off the event loop. A D3 condition over a million rows or a day of one topic
 * takes SQLite hundreds of ms, and better-sqlite3 runs it on the calling thread: the whole agent
 * would stand still meanwhile. So queries run on a thread with a read-only connection of its own
 * (WAL lets it read while the store writes), and only the rows (or, for D2/D3, the response
 * body) cross back. If the thread cannot run, the same code runs on the store's own connection.
 */
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { topicMatches } from '../mqtt/topic-match.js';
import { SqliteThread } from './sqlite-thread.js';
import { textCode } from './series-blocks.js';

// The thread cannot load TypeScript, so it carries its own copy of the MQTT filter match
// (src/mqtt/topic-match.ts, which the tests check it against). Rows cross back as columns: ids
// and times in transferred Float64Arrays, one topic when every row has the same one, payloads as
// a list. Cloning 86,400 small objects costs the receiving thread about 100 ms; the columns, a few.
const CODE = `
${topicMatchSource()}
db.pragma('mmap_size = 268435456');
db.function('mqtt_match', { deterministic: true }, (f, t) => (topicMatches(String(f), String(t)) ? 1 : 0));
const prepared = new Map();
function statement(sql) {
  let st = prepared.get(sql);
  if (!st) {
    st = db.prepare(sql).raw(true);
    if (prepared.size > 100) prepared.clear();
    prepared.set(sql, st);
  }
  return st;
}
${textCode()}
function handle(m) {
  if (m.op === 'text' || m.op === 'series') return recordsText(m);
  const { sql, params } = m;
  const st = statement(sql);
  const ids = [], times = [], payloads = [];
  let topic, topics = null;
  for (const row of st.iterate(...params)) {
    const i = ids.length;
    ids.push(row[0]); payloads.push(row[2]); times.push(row[3]);
    if (i === 0) topic = row[1];
    else if (topics === null && row[1] !== topic) topics = new Array(i).fill(topic);
    if (topics !== null) topics.push(row[1]);
  }
  const result = { ids: Float64Array.from(ids), ts: Float64Array.from(times), topic, topics, payloads };
  return { result, transfer: [result.ids.buffer, result.ts.buffer] };
}
`;

/**
 * The link's own topic matcher, as source for the thread that declares `topicMatches` (its
 * compiled form is plain JavaScript, but a minified build renames the function itself).
 */
export function topicMatchSource(): string {
  return `const topicMatches = (${topicMatches.toString()});`;
}

/** A record as the query thread returns it: text payloads as strings, blobs as Buffers. */
export interface Row {
  id: number;
  topic: string;
  payload: Buffer | string;
  ts: number;
}

/** The records of one topic in `[lo, hi]` (ms), read from series blocks where there are any; or any SELECT of `id, topic, payload, ts`. */
export type TextQuery =
  | { op: 'series'; topic: string; lo: number; hi: number; limit: number; desc: boolean }
  | { op: 'text'; sql: string; params: unknown[] };

/** A response body in chunks (one unless it is large), and how many records it holds. */
export interface RecordsText {
  count: number;
  chunks: Uint8Array[];
}

interface Columns {
  ids: Float64Array;
  ts: Float64Array;
  /** The topic of every row, unless `topics` is given. */
  topic: string;
  topics: string[] | null;
  payloads: (string | Uint8Array)[];
}

export class Reader {
  readonly #thread: SqliteThread;

  constructor(opts: { file: string; log: Logger; fallback?: Database.Database }) {
    this.#thread = new SqliteThread({ name: 'query', file: opts.file, readonly: true, code: CODE, log: opts.log, fallback: opts.fallback });
  }

  /** False once the thread failed: the caller then queries on its own connection. */
  get running(): boolean {
    return this.#thread.running;
  }

  start(): void {
    this.#thread.start();
  }

  /** Runs one `SELECT id, topic, payload, ts …` on the thread. */
  async records(sql: string, params: unknown[]): Promise<Row[]> {
    const { ids, ts, topic, topics, payloads } = await this.#thread.call<Columns>({ sql, params });
    const rows = new Array<Row>(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const p = payloads[i];
      const payload = typeof p === 'string' || Buffer.isBuffer(p) ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength);
      rows[i] = { id: ids[i], topic: topics ? topics[i] : topic, payload, ts: ts[i] };
    }
    return rows;
  }

  /** A query answered as the D2/D3 response body, `{"records":[…]}` in UTF-8, in one or more chunks. */
  text(q: TextQuery): Promise<RecordsText> {
    return this.#thread.call<RecordsText>(q);
  }

  stop(): Promise<void> {
    return this.#thread.stop();
  }
}
