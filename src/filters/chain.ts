/**
 * Runs a scheme's filters over its readings, in the order the scheme lists them. Pure: it keeps
 * its own state but starts no timers, and time comes from each reading (or the injected clock).
 */
import type { Reading } from '../core/driver.js';
import type { FilterSpec } from '../schemes/filter-schema.js';
import { stageFor, type Stage } from './stages.js';

export interface FilterChainOptions {
  /** The clock used when `apply` gets no time; ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

/**
 * The filter list of one input scheme.
 *
 * Readings run through the stages like a pipeline: a gate that drops a reading (delta, throttle)
 * stops it there, so later stages such as `average` only see what got past. A `heartbeat`
 * anywhere in the list makes every gate let a reading through once nothing was published for
 * that long.
 */
export class FilterChain {
  readonly #stages: Stage[];
  readonly #heartbeat?: number;
  readonly #now: () => number;
  #lastPublished?: number;

  constructor(filters: readonly FilterSpec[], opts: FilterChainOptions = {}) {
    this.#now = opts.now ?? Date.now;
    this.#stages = filters.map(stageFor).filter((s): s is Stage => s !== undefined);
    const beats = filters.filter((f) => f.kind === 'heartbeat').map((f) => f.value as number);
    this.#heartbeat = beats.length ? Math.min(...beats) : undefined;
  }

  /**
   * Filters one reading taken at `ts` (default: now). Returns the reading to publish, or null
   * when the filters drop it. The input is never modified. `force` (a reading someone asked for)
   * lets it through every gate, as a heartbeat does, and still converts it.
   */
  apply(reading: Reading, ts?: Date | number, opts: { force?: boolean } = {}): Reading | null {
    const t = ts === undefined ? this.#now() : typeof ts === 'number' ? ts : ts.getTime();
    const last = this.#lastPublished;
    const rescue = opts.force === true || (this.#heartbeat !== undefined && (last === undefined || t < last || t - last >= this.#heartbeat));
    let current: Reading | null = reading;
    const passed: Stage[] = [];
    for (const stage of this.#stages) {
      current = stage.run(current, { t, lastPublished: last, rescue });
      if (current === null) return null;
      passed.push(stage);
    }
    for (const stage of passed) stage.commit?.();
    this.#lastPublished = t;
    return current;
  }

  /**
   * The earliest time at which re-applying the last reading could publish something new (a
   * debounced change that has not yet been seen for long enough), or undefined. Event-driven
   * drivers emit only on edges, so their runtime should re-apply the last reading then.
   */
  wakeAt(): number | undefined {
    const due = this.#stages.map((s) => s.wakeAt?.()).filter((t): t is number => t !== undefined);
    return due.length ? Math.min(...due) : undefined;
  }

  /** Forgets every window, debounce and last-published value, as after a restart. */
  reset(): void {
    for (const stage of this.#stages) stage.reset();
    this.#lastPublished = undefined;
  }
}
