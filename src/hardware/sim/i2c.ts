/**
 * The sim's I2C adapter: a map of address → chip model. A write transaction hands the chip the
 * bytes after the address byte; a read asks it for `length` bytes. What those mean (register
 * pointer, auto-increment) is the chip's business, as on a real bus.
 */
import type { I2cBus } from '../types.js';
import { BusLock } from '../linux/lock.js';
import { remoteIoError } from './errors.js';

/** A chip model on the sim I2C bus. */
export interface I2cChip {
  /** One write transaction (the bytes after the address byte). */
  write(data: Buffer): void;
  /** One read transaction of `length` bytes. */
  read(length: number): Buffer;
  /** When true the chip does not acknowledge its address: every transaction fails, scans miss it. */
  readonly failing: boolean;
}

export class SimI2cBus implements I2cBus {
  readonly #chips = new Map<number, I2cChip>();
  readonly #lock = new BusLock();

  constructor(readonly bus: number) {}

  /** Puts `chip` at `address` (replacing whatever answered there). */
  place(address: number, chip: I2cChip): void {
    this.#chips.set(address, chip);
  }

  remove(address: number): void {
    this.#chips.delete(address);
  }

  chipAt(address: number): I2cChip | undefined {
    return this.#chips.get(address);
  }

  /** Addresses with a chip placed, failing or not. */
  get placed(): number[] {
    return [...this.#chips.keys()].sort((a, b) => a - b);
  }

  write(address: number, data: Buffer): Promise<void> {
    return this.#lock.run(async () => this.#ack(address).write(Buffer.from(data)));
  }

  read(address: number, length: number): Promise<Buffer> {
    return this.#lock.run(async () => this.#ack(address).read(length));
  }

  readRegister(address: number, register: number, length: number): Promise<Buffer> {
    // One combined transaction: pointer write, repeated start, read. Nothing can come between.
    return this.#lock.run(async () => {
      const chip = this.#ack(address);
      chip.write(Buffer.from([register & 0xff]));
      return chip.read(length);
    });
  }

  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.#lock.run(fn);
  }

  scan(): Promise<number[]> {
    return this.#lock.run(async () =>
      [...this.#chips].filter(([a, chip]) => a >= 0x03 && a <= 0x77 && !chip.failing).map(([a]) => a).sort((a, b) => a - b),
    );
  }

  #ack(address: number): I2cChip {
    if (!Number.isInteger(address) || address < 0 || address > 0x7f) {
      throw new RangeError(`invalid I2C address ${address}: expected 0x00..0x7f`);
    }
    const chip = this.#chips.get(address);
    if (!chip || chip.failing) throw remoteIoError(this.bus, address);
    return chip;
  }
}
