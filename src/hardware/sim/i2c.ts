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
  /** The same bus for a holder of the lock: its calls go straight through. */
  readonly #held: I2cBus;

  constructor(readonly bus: number) {
    this.#held = {
      bus,
      write: async (address, data) => this.#ack(address).write(Buffer.from(data)),
      read: async (address, length) => this.#ack(address).read(length),
      readRegister: async (address, register, length) => {
        // One combined transaction: pointer write, repeated start, read. Nothing can come between.
        const chip = this.#ack(address);
        chip.write(Buffer.from([register & 0xff]));
        return chip.read(length);
      },
      exclusive: (fn) => fn(this.#held),
      scan: async () => [...this.#chips].filter(([a, chip]) => a >= 0x03 && a <= 0x77 && !chip.failing).map(([a]) => a).sort((a, b) => a - b),
    };
  }

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
    return this.#lock.run(() => this.#held.write(address, data));
  }

  read(address: number, length: number): Promise<Buffer> {
    return this.#lock.run(() => this.#held.read(address, length));
  }

  readRegister(address: number, register: number, length: number): Promise<Buffer> {
    return this.#lock.run(() => this.#held.readRegister(address, register, length));
  }

  exclusive<T>(fn: (held: I2cBus) => Promise<T>): Promise<T> {
    return this.#lock.run(() => fn(this.#held));
  }

  scan(): Promise<number[]> {
    return this.#lock.run(() => this.#held.scan());
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
