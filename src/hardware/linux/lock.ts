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
  #tail: Promise<void> = Promise.resolve();

  /** Runs `fn` once every earlier holder has finished, and keeps the lock until `fn` settles (fulfilled or rejected). */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((resolve) => (release = resolve));
    return previous.then(fn).finally(release);
  }
}
