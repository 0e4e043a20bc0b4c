/**
 * WAL checkpoints off the event loop. A checkpoint copies the WAL into the database and fsyncs
 * it: hundreds of ms on a busy SD card. No other connection checkpoints (`wal_autocheckpoint = 0`);
 * a thread with a connection of its own checkpoints every second instead (PASSIVE: it never waits
 * for, nor blocks, the writer). If the thread cannot run, the store falls back to SQLite's own
 * automatic checkpoints.
 */
import type { Logger } from 'pino';
import { SqliteThread } from './sqlite-thread.js';

const CODE = `
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (err) { notify('WAL checkpoint failed: ' + (err && err.message)); }
}, workerData.extra.everyMs);
function handle() { return { result: null }; }
function beforeClose() { clearInterval(timer); db.pragma('wal_checkpoint(PASSIVE)'); }
`;

export class Checkpointer {
  readonly #thread: SqliteThread;

  constructor(opts: { file: string; log: Logger; everyMs?: number; onFailure: () => void }) {
    this.#thread = new SqliteThread({ name: 'checkpoint', file: opts.file, code: CODE, extra: { everyMs: opts.everyMs ?? 1_000 }, log: opts.log, onFailure: opts.onFailure });
  }

  start(): void {
    this.#thread.start();
  }

  stop(): Promise<void> {
    return this.#thread.stop();
  }
}
