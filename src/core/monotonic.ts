/**
 * Milliseconds on a clock that only moves forward, for pacing, deadlines and elapsed times. The
 * wall clock (`Date.now()`) can step back (NTP on a Pi without a real-time clock, a manual date
 * change); a rate limiter that used it would stall until the wall clock caught up again.
 */
export function monotonicNow(): number {
  return performance.now();
}
