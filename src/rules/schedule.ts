/**
 * The two ways a rule can run on time: `every:` a period, and `schedule:` a cron expression.
 * croner only computes the next run here; the waiting is done on the injected {@link Clock}.
 */
import { Cron } from 'croner';
import { formatDuration } from '../core/duration.js';
import { MAX_TIMER_MS, type Clock, type TimerHandle } from '../core/clock.js';

export interface Schedule {
  /** `every 2s` or the cron expression, for listings. */
  readonly description: string;
  /** When it runs next; undefined once stopped or when a cron expression never fires again. */
  next(): Date | undefined;
  stop(): void;
}

/**
 * Runs `tick` every `ms`, first `ms` after now. Due times are counted from the start, so the
 * period does not drift by the time each tick takes; ticks missed while the process slept are
 * dropped, not run in a burst.
 */
export function everySchedule(ms: number, clock: Clock, tick: () => void): Schedule {
  // On the monotonic clock: a wall clock set back must not hold the next tick back by as much.
  let due: number | undefined = clock.elapsed() + ms;
  let timer: TimerHandle;
  const arm = () => {
    timer = clock.setTimeout(fire, Math.min(MAX_TIMER_MS, Math.max(0, due! - clock.elapsed())));
  };
  const fire = () => {
    if (due === undefined) return;
    const now = clock.elapsed();
    if (now < due) return arm();
    due += ms;
    if (due <= now) due = now + ms;
    arm();
    tick();
  };
  arm();
  return {
    description: `every ${formatDuration(ms)}`,
    next: () => (due === undefined ? undefined : new Date(clock.now().getTime() + (due - clock.elapsed()))),
    stop: () => {
      due = undefined;
      clock.clearTimeout(timer);
    },
  };
}

/**
 * Runs `tick` at each time `pattern` (5 fields, or 6 with seconds first) names, in the local
 * time zone, as cron does. Each run is computed strictly after the previous one, so a timer that
 * wakes a little early or late never runs the same slot twice.
 */
export function cronSchedule(pattern: string, clock: Clock, tick: () => void): Schedule {
  const cron = new Cron(pattern, { paused: true });
  let due: Date | undefined = cron.nextRun(clock.now()) ?? undefined;
  let timer: TimerHandle;
  const arm = () => {
    if (!due) return;
    timer = clock.setTimeout(fire, Math.min(MAX_TIMER_MS, Math.max(0, due.getTime() - clock.now().getTime())));
  };
  const fire = () => {
    if (!due) return;
    const now = clock.now();
    if (now < due) return arm(); // a capped wait, or a clock that was set back
    // After a long sleep (or the clock jumping ahead), skip to the next slot from now.
    const from = now.getTime() - due.getTime() > 1_000 ? now : due;
    due = cron.nextRun(from) ?? undefined;
    arm();
    tick();
  };
  arm();
  return {
    description: pattern,
    next: () => due,
    stop: () => {
      due = undefined;
      clock.clearTimeout(timer);
      cron.stop();
    },
  };
}
