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
parentPort.on('message', (m) => {
  if (m === 'stop') {
    db.close();
    parentPort.postMessage('stopped');
    return;
  }
  try {
    let st = prepared.get(m.sql);
    if (!st) {
      st = db.prepare(m.sql);
      if (prepared.size > 100) prepared.clear();
      prepared.set(m.sql, st);
    }
    parentPort.postMessage({ id: m.id, rows: st.all(...m.params) });
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: String((err && err.message) || err) });
  }
});
`;

/** The link's own topic matcher, as source for the worker (its compiled form is plain JavaScript). */
export function topicMatchSource(): string {
  return topicMatches.toString();
}

interface Waiting {
  resolve: (rows: unknown[]) => void;
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
    worker.on('message', (m: { id: number; rows?: unknown[]; error?: string } | 'stopped') => {
      if (m === 'stopped') return;
      const w = this.#waiting.get(m.id);
      if (!w) return;
      this.#waiting.delete(m.id);
      if (m.error !== undefined) w.reject(new Error(m.error));
      else w.resolve(m.rows!);
    });
    worker.on('error', (err) => {
      this.opts.log.warn(`history: the query thread failed (${err.message}); running queries on the main thread from now on`);
      this.#worker = undefined;
      for (const w of this.#waiting.values()) w.reject(new Error(`the query thread failed: ${err.message}`));
      this.#waiting.clear();
    });
    this.#worker = worker;
  }

  /** Runs one SELECT on the worker; rows as SQLite gives them, blobs as Buffers. */
  all(sql: string, params: unknown[]): Promise<Record<string, unknown>[]> {
    const worker = this.#worker;
    if (!worker) return Promise.reject(new Error('the query thread is not running'));
    const id = ++this.#next;
    return new Promise<unknown[]>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      worker.postMessage({ id, sql, params });
    }).then((rows) =>
      (rows as Record<string, unknown>[]).map((r) => {
        for (const [k, v] of Object.entries(r)) if (v instanceof Uint8Array && !Buffer.isBuffer(v)) r[k] = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
        return r;
      }),
    );
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
