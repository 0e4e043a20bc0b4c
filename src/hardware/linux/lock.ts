/**
 * A promise-queue mutex for one bus. Every transaction on an I2C adapter (or SPI device) goes
 * through its lock, so a multi-step exchange with one chip never interleaves with another's.
 * Backends other than linux (the sim) can use it too.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

interface Hold {
  active: boolean;
}

export class BusLock {
  #tail: Promise<void> = Promise.resolve();
  // Marks the async context that holds this lock, so calls made from inside `run` (e.g. a driver
  // calling `bus.read` inside `bus.exclusive`) go straight through instead of waiting on themselves.
  readonly #holder = new AsyncLocalStorage<Hold>();

  /**
   * Runs `fn` once every earlier holder has finished, and keeps the lock until `fn` settles
   * (fulfilled or rejected). Called while this context already holds the lock, it runs `fn`
   * at once: nesting does not deadlock.
   */
  run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#holder.getStore()?.active) return fn();
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((resolve) => (release = resolve));
    const hold: Hold = { active: true };
    return previous
      .then(() => this.#holder.run(hold, fn))
      .finally(() => {
        // A callback the holder left behind (a timer, a stray promise) keeps this context;
        // once released it must queue like everyone else.
        hold.active = false;
        release();
      });
  }
}
