/** Exponential backoff for retrying a failed driver: min, 2×min, 4×min … up to max. */
export class Backoff {
  #next: number;

  constructor(private readonly min = 1_000, private readonly max = 60_000) {
    this.#next = min;
  }

  /** The delay to wait now; the following call returns twice as much, up to max. */
  next(): number {
    const delay = this.#next;
    this.#next = Math.min(this.max, this.#next * 2);
    return delay;
  }

  reset(): void {
    this.#next = this.min;
  }
}
