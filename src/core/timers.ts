/**
 * Timers for waits that come from users. Node's `setTimeout` fires after 1 ms when asked to wait
 * more than 2^31-1 ms (about 24.8 days); these take such a wait in steps instead, so no duration
 * ever turns into "now".
 */

/** The longest wait Node's timers take in one step. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A cancellable wait; `unref` lets the process exit while it is pending. */
export interface LongTimer {
  clear(): void;
}

/** Calls `fn` once after `ms` (clamped to ≥ 0; NaN counts as 0), however long that is. */
export function setLongTimeout(fn: () => void, ms: number, opts: { unref?: boolean } = {}): LongTimer {
  let left = Number.isNaN(ms) ? 0 : Math.max(0, ms);
  let handle: NodeJS.Timeout | undefined;
  const arm = () => {
    const step = Math.min(left, MAX_TIMER_MS);
    left -= step;
    handle = setTimeout(() => {
      if (left > 0) arm();
      else {
        handle = undefined;
        fn();
      }
    }, step);
    if (opts.unref) handle.unref();
  };
  arm();
  return {
    clear() {
      clearTimeout(handle);
      handle = undefined;
    },
  };
}
