/**
 * The node's persistent state in `data/state.json` (lowdb): the last state of each scheme, the
 * runtime overrides made through `$request`, and pulse-counter totals.
 *
 * Writes are coalesced: a state change is written at most `flushMs` later, and one write carries
 * every change made meanwhile, so a 10 Hz input costs one write per `flushMs`. Overrides and
 * output states are rarer and matter more (a relay switched just before a power cut must come
 * back as it was), so they are written within `overrideFlushMs`. Every write is atomic
 * (see {@link AtomicJsonFile}). A file that cannot be read is moved aside and the node starts
 * clean: losing saved state is better than not starting.
 */
import { mkdir, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Low } from 'lowdb';
import type { Logger } from 'pino';
import type { EventBus } from '../core/bus.js';
import type { Reading } from '../core/driver.js';
import type { Service } from '../core/service.js';
import { AtomicJsonFile } from './atomic-file.js';
import { boundsError, INTERVAL_BOUNDS } from '../core/duration.js';
import { monotonicNow } from '../core/monotonic.js';
import { emptyState, parseStateData, type Overrides, type StateData } from './shape.js';

export interface StateStoreOptions {
  /** Usually `<data>/state.json`; its directory is created if missing. */
  file: string;
  log: Logger;
  /**
   * Longest an input's state change waits before it is written, in ms. Default 10 s: the whole
   * file is written each time, and a node with many inputs would otherwise write it every second
   * (1,000 inputs: about 100 KB a second, 8 GB a day on a Pi's SD card). An input reads again at
   * start-up anyway; an output's state, which `restore: true` brings back, is written promptly.
   */
  flushMs?: number;
  /** Longest an override change waits before it is written, in ms. */
  overrideFlushMs?: number;
  /** First wait before writing again after a failed write, in ms; it doubles up to a minute. Default 1000. */
  retryMs?: number;
  /** Record every `state` event on this bus (see {@link StateStore.attach}). */
  bus?: EventBus;
}

/** What kind of thing an enable/disable override is about. */
export type OverrideKind = 'scheme' | 'rule';

export interface StateStoreStats {
  writes: number;
  /** True while changes wait to be written. */
  dirty: boolean;
  lastError?: string;
  /** Failed writes in a row. */
  failures: number;
  /** Where a corrupt file was moved at open, if one was. */
  quarantined?: string;
}

export class StateStore implements Service {
  readonly name = 'state';
  readonly #db: Low<StateData>;
  readonly #file: AtomicJsonFile<StateData>;
  readonly #opts: StateStoreOptions;
  readonly #log: Logger;
  readonly #flushMs: number;
  readonly #overrideFlushMs: number;
  #dirty = false;
  #closed = false;
  #timer?: NodeJS.Timeout;
  #due?: number;
  #writing?: Promise<Error | undefined>;
  #lastError?: string;
  /** What kind of failure was last logged (an error code, not a message: a message names a new temp file each time). */
  #lastKind?: string;
  #failures = 0;
  #quarantined?: string;
  #bus?: EventBus;
  /** States recorded since the last write, as they came (see {@link setState}). */
  readonly #latest = new Map<string, { state: Reading; ts: Date }>();

  /** Touches nothing: {@link start} reads the file. */
  constructor(opts: StateStoreOptions) {
    this.#opts = opts;
    this.#file = new AtomicJsonFile(opts.file, parseStateData);
    this.#db = new Low<StateData>(this.#file, emptyState());
    this.#log = opts.log;
    this.#flushMs = opts.flushMs ?? 10_000;
    this.#overrideFlushMs = opts.overrideFlushMs ?? 50;
  }

  /** A started store (tests and tools that want one without a node). */
  static async open(opts: StateStoreOptions): Promise<StateStore> {
    const store = new StateStore(opts);
    await store.start();
    return store;
  }

  /**
   * Reads the file (or starts empty), then records the states on `bus` if one was given. Never
   * throws for a bad file: it is moved aside with a warning.
   */
  async start(): Promise<void> {
    const { file, log, bus } = this.#opts;
    await mkdir(dirname(file), { recursive: true }).catch((err) => log.warn(`state: cannot create ${dirname(file)}: ${err.message}`));
    const stale = await this.#file.removeStaleTemps();
    if (stale.length) log.info(`state: removed ${stale.length} temp file(s) left by an interrupted write`);
    try {
      await this.#db.read();
    } catch (err) {
      this.#db.data = emptyState();
      this.#quarantined = await quarantine(file, err as Error, log);
    }
    dropInvalidIntervals(this.#db.data, log);
    if (bus) this.attach(bus);
  }

  stop(): Promise<void> {
    return this.close();
  }

  get stats(): StateStoreStats {
    return { writes: this.#file.writes, dirty: this.#dirty, lastError: this.#lastError, failures: this.#failures, quarantined: this.#quarantined };
  }

  /** The last saved state of a scheme, e.g. for an output with `restore: true`. */
  getState(id: string): { state: Reading; ts: Date } | undefined {
    const latest = this.#latest.get(id);
    if (latest) return { state: { ...latest.state }, ts: new Date(latest.ts) };
    const saved = this.#db.data.states[id];
    return saved && { state: { ...saved.state }, ts: new Date(saved.ts) };
  }

  /**
   * Records a scheme's state; written within `flushMs`, or within `overrideFlushMs` when
   * `prompt` (an output's state: rare, and what `restore: true` brings back after a power cut).
   * The state is kept as it came until the write: a scheme read every second does not make a
   * copy and a time string a second that would live until the next reading.
   */
  setState(id: string, state: Reading, ts: Date = new Date(), prompt = false): void {
    const latest = this.#latest.get(id);
    if (latest) {
      latest.state = state;
      latest.ts = ts;
    } else this.#latest.set(id, { state, ts });
    this.#changed(prompt ? this.#overrideFlushMs : this.#flushMs);
  }

  /** Forgets a scheme's state, e.g. when its scheme was removed. */
  deleteState(id: string): void {
    const latest = this.#latest.delete(id);
    if (!(id in this.#db.data.states) && !latest) return;
    delete this.#db.data.states[id];
    this.#changed(this.#flushMs);
  }

  /** A deep copy of everything the store holds, as it would be written (for `$request/backup`). */
  snapshot(): StateData {
    this.#settleStates();
    return structuredClone(this.#db.data);
  }

  /** Moves the states recorded since the last write into the data that is written. */
  #settleStates(): void {
    for (const [id, { state, ts }] of this.#latest) this.#db.data.states[id] = { state: { ...state }, ts: ts.toISOString() };
    this.#latest.clear();
  }

  /** A copy of the runtime overrides. */
  overrides(): Overrides {
    const { intervals, disabled, enabled } = this.#db.data.overrides;
    return {
      intervals: { ...intervals },
      disabled: { schemes: [...disabled.schemes], rules: [...disabled.rules] },
      enabled: { schemes: [...enabled.schemes], rules: [...enabled.rules] },
    };
  }

  /** Sets (or with `undefined`, clears) an input's interval override in ms. */
  setInterval(id: string, ms: number | undefined): void {
    const { intervals } = this.#db.data.overrides;
    if (ms === undefined) delete intervals[id];
    else intervals[id] = ms;
    this.#changed(this.#overrideFlushMs);
  }

  /** Records that a scheme or rule was enabled or disabled at run time, whatever its file says. */
  setEnabled(kind: OverrideKind, id: string, enabled: boolean): void {
    const key = kind === 'scheme' ? 'schemes' : 'rules';
    const o = this.#db.data.overrides;
    o.disabled[key] = o.disabled[key].filter((x) => x !== id);
    o.enabled[key] = o.enabled[key].filter((x) => x !== id);
    (enabled ? o.enabled : o.disabled)[key].push(id);
    this.#changed(this.#overrideFlushMs);
  }

  /** False when a scheme or rule was disabled at run time. */
  isEnabled(kind: OverrideKind, id: string): boolean {
    return !this.#db.data.overrides.disabled[kind === 'scheme' ? 'schemes' : 'rules'].includes(id);
  }

  /** A pulse counter's saved total. */
  getCounter(id: string): number | undefined {
    return this.#db.data.counters[id];
  }

  /** Sets a counter and resolves once it is on disk (a meter total must never go back after a crash). */
  setCounter(id: string, total: number): Promise<void> {
    this.#db.data.counters[id] = total;
    this.#dirty = true;
    return this.flush();
  }

  /** Records every `state` event on the bus, outputs' promptly. Undo with {@link detach}. */
  attach(bus: EventBus): void {
    bus.on('state', this, (e) => this.setState(e.id, e.state, e.ts, e.direction === 'output'));
    this.#bus = bus;
  }

  detach(): void {
    this.#bus?.off(this);
    this.#bus = undefined;
  }

  /** Writes pending changes now; resolves when they are on disk, rejects when the write failed. */
  async flush(): Promise<void> {
    this.#cancelTimer();
    for (;;) {
      if (this.#writing) {
        const err = await this.#writing;
        if (err) throw err;
        continue;
      }
      if (!this.#dirty) return;
      this.#dirty = false;
      const run = this.#writeOnce();
      this.#writing = run;
      const err = await run;
      if (err) throw err;
    }
  }

  /** Detaches, writes what is pending, and stops scheduling writes. Never throws. */
  async close(): Promise<void> {
    this.detach();
    await this.flush().catch(() => {});
    this.#closed = true;
    this.#cancelTimer();
  }

  #changed(within: number): void {
    this.#dirty = true;
    if (this.#closed) return;
    const due = monotonicNow() + within;
    // A write already planned sooner will carry this change too.
    if (this.#timer && this.#due! <= due) return;
    this.#cancelTimer();
    this.#due = due;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#due = undefined;
      this.flush().catch(() => {});
    }, within);
    // The agent's own lifecycle keeps the process alive and calls close(); a pending write must not.
    this.#timer.unref();
  }

  #cancelTimer(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#due = undefined;
  }

  async #writeOnce(): Promise<Error | undefined> {
    try {
      this.#settleStates();
      await this.#db.write();
      if (this.#failures > 0) this.#log.info(`state: writing ${this.#file.file} again`);
      this.#lastError = undefined;
      this.#lastKind = undefined;
      this.#failures = 0;
      return undefined;
    } catch (err) {
      const error = err as NodeJS.ErrnoException;
      this.#dirty = true;
      this.#failures++;
      const kind = error.code ?? error.message;
      if (this.#lastKind !== kind) this.#log.warn(`state: cannot write ${this.#file.file}: ${error.message}; retrying, less and less often`);
      this.#lastKind = kind;
      this.#lastError = error.message;
      if (!this.#closed) this.#retryLater();
      return error;
    } finally {
      this.#writing = undefined;
    }
  }

  #retryLater(): void {
    // Not through #changed: a write that keeps failing must not be retried every override delay.
    const base = this.#opts.retryMs ?? Math.max(this.#flushMs, 1_000);
    const wait = Math.min(60_000, base * 2 ** Math.min(this.#failures - 1, 16));
    setTimeout(() => {
      if (this.#dirty && !this.#closed && !this.#timer) this.#changed(0);
    }, wait).unref();
  }
}

/** Moves an unusable state file aside and returns its new name. */
async function quarantine(file: string, err: Error, log: Logger): Promise<string | undefined> {
  const aside = `${file}.corrupt-${new Date().toISOString()}`;
  try {
    await rename(file, aside);
    log.warn(`state: ${file} is unusable (${err.message}); moved it to ${aside} and starting with an empty state`);
    return aside;
  } catch (renameErr) {
    log.warn(`state: ${file} is unusable (${err.message}) and could not be moved aside (${(renameErr as Error).message}); starting with an empty state`);
    return undefined;
  }
}

/**
 * An interval override saved by an older version (or by hand) that `$request/interval` would
 * refuse today is dropped, so a bad value cannot come back at every restart.
 */
function dropInvalidIntervals(data: StateData, log: Logger): void {
  const { intervals } = data.overrides;
  for (const [id, ms] of Object.entries(intervals)) {
    const error = boundsError(ms, INTERVAL_BOUNDS);
    if (error === undefined) continue;
    delete intervals[id];
    log.warn(`state: dropped the saved interval override of ${id} (${ms} ms): ${error}; the scheme's own interval applies`);
  }
}
