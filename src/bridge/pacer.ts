/**
 * How fast a bridge may send: a token bucket (`rate` per second, up to `burst` at once) that a
 * remote can also pause, e.g. Adafruit IO's throttle topic. Time comes from the caller, so a fake
 * clock drives it in tests.
 */
export class Pacer {
  #tokens: number;
  #last: number;
  #pausedUntil = 0;

  constructor(readonly rate: number, readonly burst: number, now: number) {
    this.#tokens = burst;
    this.#last = now;
  }

  /** Milliseconds until one message may go; 0 means now. */
  wait(now: number): number {
    this.#refill(now);
    if (now < this.#pausedUntil) return this.#pausedUntil - now;
    if (this.#tokens >= 1) return 0;
    return Math.max(1, Math.ceil(((1 - this.#tokens) / this.rate) * 1000));
  }

  /** Spends one token; call only when `wait` said 0. */
  take(now: number): void {
    this.#refill(now);
    this.#tokens -= 1;
  }

  /**
   * Starts the interval again from `now`, spending what has refilled since the last `take`. For
   * services that time the gap between arrivals (ThingSpeak): counting from when the last request
   * finished, not from when it left, keeps network jitter from making two arrive too close.
   */
  restart(now: number): void {
    this.#tokens = Math.min(this.#tokens, 0);
    this.#last = Math.max(this.#last, now);
  }

  /** Nothing goes before `until`; the bucket keeps filling meanwhile, up to its burst. */
  pause(until: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, until);
  }

  get pausedUntil(): number {
    return this.#pausedUntil;
  }

  #refill(now: number): void {
    if (now <= this.#last) return;
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) / 1000) * this.rate);
    this.#last = now;
  }
}
