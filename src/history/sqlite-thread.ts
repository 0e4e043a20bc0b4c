/**
 * A SQLite connection on a worker thread of its own. better-sqlite3 runs every statement on the
 * calling thread, so whatever may take long (a commit, a checkpoint, a query over a day of rows)
 * runs here instead, and the agent's event loop only posts a message and later gets the answer.
 *
 * The worker cannot load TypeScript, so each user gives its worker code as JavaScript source: a
 * body that sees `db`, `workerData` and `notify(text)`, and defines `handle(message)`, which
 * returns `{ result, transfer }` (or throws). This file adds the connection, the request ids and
 * the stop handshake around it.
 */
import { createRequire } from 'node:module';
import { Worker, type Transferable } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';

export interface SqliteThreadOptions {
  /** For the log: what the thread does ("query", "write", "checkpoint"). */
  name: string;
  /** The db file. */
  file: string;
  readonly?: boolean;
  /** JavaScript source defining `function handle(message)`; see the file comment. */
  code: string;
  /** More for the worker, as `workerData.extra`. */
  extra?: unknown;
  log: Logger;
  /** Called once when the thread fails; requests waiting then are rejected. */
  onFailure?: (err: Error) => void;
  /** A `notify(text)` from the worker; logged as a warning unless given. */
  onNotice?: (text: string) => void;
  /**
   * A connection on this thread to run the same code on when the worker cannot run: correct, but
   * the event loop then waits for SQLite again. Without it, requests fail while the thread is down.
   */
  fallback?: Database.Database;
}

const PRELUDE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file, { readonly: workerData.readonly });
db.pragma('busy_timeout = 5000');
const notify = (text) => parentPort.postMessage({ notice: String(text) });
`;

const EPILOGUE = `
parentPort.on('message', (m) => {
  if (m === 'stop') {
    try { if (typeof beforeClose === 'function') beforeClose(); } catch {}
    db.close();
    parentPort.postMessage('stopped');
    return;
  }
  try {
    const { result, transfer } = handle(m.body);
    parentPort.postMessage({ id: m.id, result }, transfer || []);
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: String((err && err.message) || err) });
  }
});
`;

interface Waiting {
  resolve: (result: unknown) => void;
  reject: (err: Error) => void;
}

type Reply = { id: number; result?: unknown; error?: string } | { notice: string } | 'stopped';

export class SqliteThread {
  #worker?: Worker;
  #next = 0;
  readonly #waiting = new Map<number, Waiting>();
  #local?: (body: unknown) => { result: unknown };

  constructor(private readonly opts: SqliteThreadOptions) {}

  /** False before start and once the thread failed or stopped. */
  get running(): boolean {
    return this.#worker !== undefined;
  }

  /** Requests sent and not yet answered. */
  get inFlight(): number {
    return this.#waiting.size;
  }

  start(): void {
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    const { file, readonly = false, extra } = this.opts;
    const worker = new Worker(PRELUDE + this.opts.code + EPILOGUE, { eval: true, workerData: { module, file, readonly, extra } });
    worker.unref();
    worker.on('message', (m: Reply) => {
      if (m === 'stopped') return;
      if ('notice' in m) {
        if (this.opts.onNotice) this.opts.onNotice(m.notice);
        else this.opts.log.warn(`history: ${this.opts.name} thread: ${m.notice}`);
        return;
      }
      const w = this.#waiting.get(m.id);
      if (!w) return;
      this.#waiting.delete(m.id);
      if (m.error !== undefined) w.reject(new Error(m.error));
      else w.resolve(m.result);
    });
    const failed = (err: Error) => {
      if (this.#worker !== worker) return;
      this.opts.log.warn(`history: the ${this.opts.name} thread failed: ${err.message}` + (this.opts.fallback ? '; running its work on the main thread from now on' : ''));
      this.#worker = undefined;
      this.#rejectAll(new Error(`the ${this.opts.name} thread failed: ${err.message}`));
      this.opts.onFailure?.(err);
    };
    worker.on('error', failed);
    // An exit that stop() did not ask for (stop() lets go of the worker first).
    worker.on('exit', (code) => failed(new Error(`it exited with code ${code}`)));
    this.#worker = worker;
  }

  /** Sends one request to the worker's `handle`; resolves with its result. */
  call<R>(body: unknown, transfer: Transferable[] = []): Promise<R> {
    const worker = this.#worker;
    if (!worker) {
      if (!this.opts.fallback) return Promise.reject(new Error(`the history ${this.opts.name} thread is not running`));
      try {
        return Promise.resolve(this.#localHandle()(body).result as R);
      } catch (err) {
        return Promise.reject(err as Error);
      }
    }
    const id = ++this.#next;
    return new Promise<R>((resolve, reject) => {
      this.#waiting.set(id, { resolve: resolve as (r: unknown) => void, reject });
      worker.postMessage({ id, body }, transfer);
    });
  }

  /** Lets the requests already sent finish (the worker answers in order), then closes the connection. */
  async stop(): Promise<void> {
    const worker = this.#worker;
    if (!worker) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        if (this.#worker === worker) this.#worker = undefined;
        this.#rejectAll(new Error('the history store is closing'));
        resolve();
      };
      worker.once('exit', done);
      worker.on('message', (m: Reply) => {
        if (m !== 'stopped') return;
        this.#worker = undefined;
        void worker.terminate().then(done, done);
      });
      worker.postMessage('stop');
      setTimeout(() => void worker.terminate().then(done, done), 10_000).unref();
    });
  }

  /** The worker's `handle`, built once on this thread over the fallback connection. */
  #localHandle(): (body: unknown) => { result: unknown } {
    if (!this.#local) {
      const { log, name, extra } = this.opts;
      const notify = (text: string) => log.warn(`history: ${name} (on the main thread): ${text}`);
      const make = new Function('db', 'workerData', 'notify', 'require', `${this.opts.code}\nreturn handle;`);
      this.#local = make(this.opts.fallback, { extra }, notify, createRequire(import.meta.url));
    }
    return this.#local!;
  }

  #rejectAll(err: Error): void {
    for (const w of this.#waiting.values()) w.reject(err);
    this.#waiting.clear();
  }
}
