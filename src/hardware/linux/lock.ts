/**
 * A promise-queue mutex for one bus. Every transaction on an I2C adapter (or SPI device) goes
 * through its lock, so a multi-step exchange with one chip never interleaves with another's.
 * Backends other than linux (the sim) can use it too.
 *
 * A multi-step exchange (`bus.exclusive(fn)`) hands `fn` the bus as held: its calls go straight
 * through while everyone else waits. (It once found its own calls through an AsyncLocalStorage
 * instead; on Node 20 that turns on a hook for every promise the whole process makes, which cost
 * about a tenth of the agent's CPU at a thousand readings a second.)
 */
export class BusLock {
  #held = false;
  /** Holders waiting their turn, first in first out: each is started by the one before it. */
  readonly #waiting: (() => void)[] = [];

  /**
   * Runs `fn` once every earlier holder has finished, and keeps the lock until `fn` settles
   * (fulfilled or rejected). A free lock starts `fn` at once: on a bus read a thousand times a
   * second, a promise chain per transaction to wait for nobody was most of what the lock cost.
   */
  run<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.#held) return this.#hold(fn);
    return new Promise<void>((turn) => this.#waiting.push(turn)).then(() => this.#hold(fn));
  }

  #hold<T>(fn: () => Promise<T>): Promise<T> {
    this.#held = true;
    let done: Promise<T>;
    try {
      done = fn();
    } catch (err) {
      this.#release();
      return Promise.reject(err);
    }
    done.then(this.#release, this.#release);
    return done;
  }

  /** Hands the lock to the next in line, still held, so nobody who asks meanwhile can jump the queue. */
  readonly #release = (): void => {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#held = false;
  };
}
