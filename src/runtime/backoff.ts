/**
 * Exponential backoff for retrying a failed driver: about min, 2×min, 4×min … up to max, each
 * delay spread by ±20 % so that schemes failing together (a bus gone) do not retry in lockstep.
 * It grows until {@link reset}, which the caller makes only on success.
 */
export class Backoff {
  #next: number;

  constructor(
    private readonly min = 1_000,
    private readonly max = 60_000,
    private readonly random: () => number = Math.random,
  ) {
    this.#next = min;
  }

  /** The delay to wait now (never above max); the following call waits about twice as long. */
  next(): number {
    const base = this.#next;
    this.#next = Math.min(this.max, this.#next * 2);
    const jittered = base * (0.8 + 0.4 * this.random());
    return Math.round(Math.min(this.max, Math.max(1, jittered)));
  }

  reset(): void {
    this.#next = this.min;
  }
}
