/**
 * Record queries off the event loop. A D3 condition over a million rows or a day of one topic
 * takes SQLite hundreds of ms, and better-sqlite3 runs it on the calling thread: the whole agent
 * would stand still meanwhile. So queries run on a worker thread with a read-only connection of
 * its own (WAL lets it read while the store writes), and only the rows cross back. If the worker
 * cannot run, the store answers queries itself.
 */
import { topicMatches } from '../mqtt/topic-match.js';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';

// The worker cannot load TypeScript, so it carries its own copy of the MQTT filter match
// (src/mqtt/topic-match.ts, which the tests check it against).
const CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file, { readonly: true });
${topicMatchSource()}
db.function('mqtt_match', { deterministic: true }, (f, t) => (topicMatches(String(f), String(t)) ? 1 : 0));
const prepared = new Map();
// Rows cross back as columns: ids and times in transferred Float64Arrays, one topic when every row
// has the same one, payloads as a list. Cloning 86,400 small objects costs the receiving thread
// about 100 ms; cloning the columns costs a few.
function columns(st, params) {
  const ids = [], times = [], payloads = [];
  let topic, topics = null;
  for (const row of st.iterate(...params)) {
    const i = ids.length;
    ids.push(row[0]); payloads.push(row[2]); times.push(row[3]);
    if (i === 0) topic = row[1];
    else if (topics === null && row[1] !== topic) topics = new Array(i).fill(topic);
    if (topics !== null) topics.push(row[1]);
  }
  return { ids: Float64Array.from(ids), ts: Float64Array.from(times), topic, topics, payloads };
}
parentPort.on('message', (m) => {
  if (m === 'stop') {
    db.close();
    parentPort.postMessage('stopped');
    return;
  }
  try {
    let st = prepared.get(m.sql);
    if (!st) {
      st = db.prepare(m.sql).raw(true);
      if (prepared.size > 100) prepared.clear();
      prepared.set(m.sql, st);
    }
    const c = columns(st, m.params);
    parentPort.postMessage({ id: m.id, columns: c }, [c.ids.buffer, c.ts.buffer]);
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: String((err && err.message) || err) });
  }
});
`;

/** The link's own topic matcher, as source for the worker (its compiled form is plain JavaScript). */
export function topicMatchSource(): string {
  return topicMatches.toString();
}

/** A record as the query thread returns it: text payloads as strings, blobs as Buffers. */
export interface Row {
  id: number;
  topic: string;
  payload: Buffer | string;
  ts: number;
}

interface Columns {
  ids: Float64Array;
  ts: Float64Array;
  /** The topic of every row, unless `topics` is given. */
  topic: string;
  topics: string[] | null;
  payloads: (string | Uint8Array)[];
}

interface Waiting {
  resolve: (columns: Columns) => void;
  reject: (err: Error) => void;
}

export class Reader {
  #worker?: Worker;
  #next = 0;
  readonly #waiting = new Map<number, Waiting>();

  constructor(private readonly opts: { file: string; log: Logger }) {}

  /** False once the worker failed: the caller then queries on its own connection. */
  get running(): boolean {
    return this.#worker !== undefined;
  }

  start(): void {
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(CODE, { eval: true, workerData: { module, file: this.opts.file } });
    worker.unref();
    worker.on('message', (m: { id: number; columns?: Columns; error?: string } | 'stopped') => {
      if (m === 'stopped') return;
      const w = this.#waiting.get(m.id);
      if (!w) return;
      this.#waiting.delete(m.id);
      if (m.error !== undefined) w.reject(new Error(m.error));
      else w.resolve(m.columns!);
    });
    worker.on('error', (err) => {
      this.opts.log.warn(`history: the query thread failed (${err.message}); running queries on the main thread from now on`);
      this.#worker = undefined;
      for (const w of this.#waiting.values()) w.reject(new Error(`the query thread failed: ${err.message}`));
      this.#waiting.clear();
    });
    this.#worker = worker;
  }

  /** Runs one `SELECT id, topic, payload, ts …` on the worker. */
  records(sql: string, params: unknown[]): Promise<Row[]> {
    const worker = this.#worker;
    if (!worker) return Promise.reject(new Error('the query thread is not running'));
    const id = ++this.#next;
    return new Promise<Columns>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      worker.postMessage({ id, sql, params });
    }).then(({ ids, ts, topic, topics, payloads }) => {
      const rows = new Array<Row>(ids.length);
      for (let i = 0; i < ids.length; i++) {
        const p = payloads[i];
        const payload = typeof p === 'string' || Buffer.isBuffer(p) ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength);
        rows[i] = { id: ids[i], topic: topics ? topics[i] : topic, payload, ts: ts[i] };
      }
      return rows;
    });
  }

  async stop(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    if (!worker) return;
    for (const w of this.#waiting.values()) w.reject(new Error('the history store is closing'));
    this.#waiting.clear();
    await new Promise<void>((resolve) => {
      const done = () => resolve();
      worker.once('exit', done);
      worker.once('message', (m) => m === 'stopped' && void worker.terminate().then(done, done));
      worker.postMessage('stop');
      setTimeout(() => void worker.terminate().then(done, done), 2_000).unref();
    });
  }
}
