/**
 * WAL checkpoints off the event loop. better-sqlite3 runs SQLite on the calling thread, and a
 * checkpoint copies the WAL into the database and fsyncs it: hundreds of ms on a busy SD card.
 * The store's own connection therefore never checkpoints (`wal_autocheckpoint = 0`); a worker
 * thread with a second connection checkpoints every second instead (PASSIVE: it never waits for,
 * nor blocks, the writer). If the worker cannot run, the store falls back to SQLite's own
 * automatic checkpoints.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';

const CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (err) { parentPort.postMessage(String(err && err.message)); }
}, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
  db.close();
  parentPort.postMessage('stopped');
});
`;

export class Checkpointer {
  #worker?: Worker;

  constructor(private readonly opts: { file: string; log: Logger; everyMs?: number; onFailure: () => void }) {}

  start(): void {
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(CODE, { eval: true, workerData: { module, file: this.opts.file, everyMs: this.opts.everyMs ?? 1_000 } });
    worker.unref();
    worker.on('message', (m) => m !== 'stopped' && this.opts.log.warn(`history: WAL checkpoint failed: ${m}`));
    worker.on('error', (err) => {
      this.opts.log.warn(`history: the checkpoint thread failed (${err.message}); checkpointing on the main thread from now on`);
      this.#worker = undefined;
      this.opts.onFailure();
    });
    this.#worker = worker;
  }

  async stop(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    if (!worker) return;
    await new Promise<void>((resolve) => {
      const done = () => resolve();
      worker.once('exit', done);
      worker.once('message', (m) => m === 'stopped' && void worker.terminate().then(done, done));
      worker.postMessage('stop');
      setTimeout(() => void worker.terminate().then(done, done), 2_000).unref();
    });
  }
}
