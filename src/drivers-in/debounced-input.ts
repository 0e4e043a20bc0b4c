/**
 * The part gpio-in, button and pulse-counter share: a GPIO input watched on both edges, where
 * every edge restarts a debounce timer and only the level that held for `debounce` is read and
 * handed on. Contacts bounce for a few milliseconds; a bounce never gets past this.
 */
import type { Gpio, GpioLine, Level } from '../hardware/types.js';

export interface DebouncedInputOptions {
  /** The driver name, for errors. */
  driver: string;
  pin: number | string;
  /** How long a level must hold before it counts, in ms. */
  debounce: number;
  /** The line's bias (`pull:` of the scheme); the linux backend sets it through the GPIO character device. */
  pull?: 'up' | 'down' | 'none';
  /**
   * Called with the level read once an edge has been followed by `debounce` ms of quiet. It may
   * equal the level before (a bounce that came back): the driver compares with what it last saw.
   */
  settled(level: Level): void;
  /** A read after an edge failed: the driver reports the fault (`ctx.fail`). */
  fail(error: Error): void;
}

export class DebouncedInput {
  #line: GpioLine | undefined;
  #unwatch: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly gpio: Gpio,
    private readonly opts: DebouncedInputOptions,
  ) {}

  /** Opens the line, starts watching and returns its level now. If the first read fails, the line is closed again and the error thrown. */
  async open(): Promise<Level> {
    const line = await this.gpio.open(this.opts.pin, { direction: 'in', edge: 'both', pull: this.opts.pull });
    this.#line = line;
    this.#unwatch = line.watch(() => {
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => void this.#settle(), this.opts.debounce);
    });
    try {
      return await line.read();
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  /** The level now, read at once (no debounce). */
  async read(): Promise<Level> {
    if (!this.#line) throw new Error(`${this.opts.driver} not started`);
    return this.#line.read();
  }

  /** Stops watching and closes the line; a debounce still running is dropped. */
  async close(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#unwatch?.();
    this.#unwatch = undefined;
    const line = this.#line;
    this.#line = undefined;
    await line?.close();
  }

  async #settle(): Promise<void> {
    this.#timer = undefined;
    const line = this.#line;
    if (!line) return;
    try {
      // Read again instead of trusting the edge: the level that held is the one that counts.
      const level = await line.read();
      // Closed (or closed and opened again) while reading: this level is no longer ours to report.
      if (this.#line === line) this.opts.settled(level);
    } catch (err) {
      if (this.#line === line) this.opts.fail(err as Error);
    }
  }
}
