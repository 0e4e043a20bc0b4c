/**
 * Time as the rule engine and the bridges see it. Hold times, `every:`, cron and bridge pacing
 * all go through this, so a test can drive hours of schedules in milliseconds with a fake clock.
 */
import { MAX_TIMER_MS, setLongTimeout, type LongTimer } from './timers.js';
import { monotonicNow } from './monotonic.js';

/** An opaque timer handle. */
export type TimerHandle = unknown;

export interface Clock {
  /** Wall time: for timestamps, cron and anything shown to people. */
  now(): Date;
  /**
   * Milliseconds on a clock that never steps back, for periods, holds and pacing: a wall clock
   * set back by an hour must not make `every: 2s` or a rate limit wait an hour.
   */
  elapsed(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock: wall time and Node's timers, with waits past their limit taken in steps. */
export const systemClock: Clock = {
  now: () => new Date(),
  elapsed: monotonicNow,
  setTimeout: (fn, ms) => setLongTimeout(fn, ms),
  clearTimeout: (handle) => (handle as LongTimer | undefined)?.clear(),
};

export { MAX_TIMER_MS };
