/**
 * `I2cBus` on i2c-bus. Every call is queued on the bus's `BusLock`, so transactions from
 * different drivers never interleave, and `exclusive` holds the bus across several calls.
 */
import { join } from 'node:path';
import type { I2cBus } from '../types.js';
import { assertDeviceNode, assertRealDevRoot } from './device.js';
import { BusLock } from './lock.js';
import { withSmbusFallback, type RawI2c } from './smbus.js';

/** The part of i2c-bus's `PromisifiedBus` this backend uses. */
export type { RawI2c };

export type RawI2cOpener = (bus: number) => Promise<RawI2c>;

/** SMBus I2C block reads carry at most 32 bytes. */
const BLOCK_MAX = 32;

export interface OpenI2cOptions {
  /** Where `i2c-N` is looked for. */
  devRoot: string;
  /** Replaces i2c-bus, for tests. */
  open?: RawI2cOpener;
}

/** Opens `/dev/i2c-<bus>`, first making sure it exists so a disabled bus gets a useful error. */
export async function openLinuxI2c(bus: number, options: OpenI2cOptions): Promise<LinuxI2cBus> {
  const path = join(options.devRoot, `i2c-${bus}`);
  await assertDeviceNode(path, 'enable I2C with raspi-config or dtparam=i2c_arm=on');
  const open =
    options.open ??
    (async (n: number) => {
      assertRealDevRoot(options.devRoot, 'i2c-bus', path);
      const i2c = (await import('i2c-bus')).default;
      return withSmbusFallback(n, await i2c.openPromisified(n));
    });
  return new LinuxI2cBus(bus, await open(bus));
}

const hex = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;

function checkAddress(address: number): void {
  if (!Number.isInteger(address) || address < 0 || address > 0x7f) throw new Error(`invalid I2C address ${address}: must be 0x00-0x7f`);
}

function checkLength(length: number): void {
  if (!Number.isInteger(length) || length < 1) throw new Error(`invalid I2C read length ${length}: must be a whole number of bytes, at least 1`);
}

export class LinuxI2cBus implements I2cBus {
  readonly #raw: RawI2c;
  readonly #lock: BusLock;
  /** The same bus for a holder of the lock: its calls go straight through. */
  readonly #held: I2cBus;

  constructor(readonly bus: number, raw: RawI2c, lock = new BusLock()) {
    this.#raw = raw;
    this.#lock = lock;
    this.#held = {
      bus,
      write: (address, data) => this.#write(address, data),
      read: (address, length) => this.#read(address, length),
      readRegister: (address, register, length) => this.#readRegister(address, register, length),
      exclusive: (fn) => fn(this.#held),
      scan: () => this.#raw.scan(),
    };
  }

  write(address: number, data: Buffer): Promise<void> {
    return this.#lock.run(() => this.#write(address, data));
  }

  read(address: number, length: number): Promise<Buffer> {
    return this.#lock.run(() => this.#read(address, length));
  }

  readRegister(address: number, register: number, length: number): Promise<Buffer> {
    return this.#lock.run(() => this.#readRegister(address, register, length));
  }

  exclusive<T>(fn: (held: I2cBus) => Promise<T>): Promise<T> {
    return this.#lock.run(() => fn(this.#held));
  }

  scan(): Promise<number[]> {
    return this.#lock.run(() => this.#raw.scan());
  }

  async #write(address: number, data: Buffer): Promise<void> {
    checkAddress(address);
    const { bytesWritten } = await this.#raw.i2cWrite(address, data.length, data);
    if (bytesWritten !== data.length) throw this.#short('write to', address, bytesWritten, data.length);
  }

  async #read(address: number, length: number): Promise<Buffer> {
    checkAddress(address);
    checkLength(length);
    const { bytesRead, buffer } = await this.#raw.i2cRead(address, length, Buffer.alloc(length));
    if (bytesRead !== length) throw this.#short('read from', address, bytesRead, length);
    return buffer;
  }

  async #readRegister(address: number, register: number, length: number): Promise<Buffer> {
    checkAddress(address);
    checkLength(length);
    if (!Number.isInteger(register) || register < 0 || register > 0xff) throw new Error(`invalid I2C register ${register}: must be 0x00-0xff`);
    if (length > BLOCK_MAX) {
      // Too long for one block read: set the register pointer, then read, under the same hold so
      // no other driver moves the pointer in between.
      await this.#write(address, Buffer.from([register]));
      return this.#read(address, length);
    }
    const { bytesRead, buffer } = await this.#raw.readI2cBlock(address, register, length, Buffer.alloc(length));
    if (bytesRead !== length) throw this.#short(`read of register ${hex(register)} from`, address, bytesRead, length);
    return buffer;
  }

  /** Waits for the transaction in progress, then closes the adapter. */
  close(): Promise<void> {
    return this.#lock.run(() => this.#raw.close());
  }

  #short(what: string, address: number, got: number, wanted: number): Error {
    return new Error(`short I2C ${what} ${hex(address)} on bus ${this.bus}: ${got} of ${wanted} bytes`);
  }
}
