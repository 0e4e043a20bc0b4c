/**
 * Time as the rule engine sees it. Hold times, `every:` and cron all go through this, so a
 * test can drive hours of schedules in milliseconds with a fake clock.
 */

/** An opaque timer handle. */
export type TimerHandle = unknown;

export interface Clock {
  now(): Date;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock: wall time and Node's timers. */
export const systemClock: Clock = {
  now: () => new Date(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout | undefined),
};

/** Node's timers overflow (and fire at once) beyond this; longer waits are taken in steps. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
