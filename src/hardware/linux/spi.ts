/** `SpiDevice` on spi-device, promisified. Transfers on one device go through its `BusLock`. */
import { join } from 'node:path';
import type { SpiDevice, SpiTransferOptions } from '../types.js';
import { assertDeviceNode, assertRealDevRoot } from './device.js';
import { BusLock } from './lock.js';

type Callback = (err: Error | null | undefined) => void;

/** One message of spi-device's transfer. */
export interface RawSpiMessage {
  byteLength: number;
  sendBuffer?: Buffer;
  receiveBuffer?: Buffer;
  speedHz?: number;
}

/** The part of spi-device's `SpiDevice` this backend uses. */
export interface RawSpi {
  transfer(message: RawSpiMessage[], cb: (err: Error | null | undefined, message: RawSpiMessage[]) => void): unknown;
  setOptions(options: { mode: 0 | 1 | 2 | 3 }, cb: Callback): unknown;
  close(cb: Callback): void;
}

export type RawSpiOpener = (bus: number, device: number) => Promise<RawSpi>;

export interface OpenSpiOptions {
  /** Where `spidevB.D` is looked for. */
  devRoot: string;
  /** Replaces spi-device, for tests. */
  open?: RawSpiOpener;
}

const call = (fn: (cb: Callback) => unknown) =>
  new Promise<void>((resolve, reject) => void fn((err) => (err ? reject(err) : resolve())));

/** Opens `/dev/spidev<bus>.<device>`, first making sure it exists so a disabled bus gets a useful error. */
export async function openLinuxSpi(bus: number, device: number, options: OpenSpiOptions): Promise<LinuxSpiDevice> {
  const path = join(options.devRoot, `spidev${bus}.${device}`);
  await assertDeviceNode(path, 'enable SPI with raspi-config or dtparam=spi=on');
  const open =
    options.open ??
    (async (b: number, d: number) => {
      assertRealDevRoot(options.devRoot, 'spi-device', path);
      // CommonJS without static exports: only `default` carries the functions under ESM.
      const spi = (await import('spi-device')).default;
      let opened!: RawSpi;
      await call((cb) => (opened = spi.open(b, d, cb)));
      return opened;
    });
  return new LinuxSpiDevice(bus, device, await open(bus, device));
}

export class LinuxSpiDevice implements SpiDevice {
  readonly #raw: RawSpi;
  readonly #lock = new BusLock();
  #mode: number | undefined;

  constructor(readonly bus: number, readonly device: number, raw: RawSpi) {
    this.#raw = raw;
  }

  /** Full duplex: clocks out `tx` and returns the same number of bytes clocked in. */
  transfer(tx: Buffer, options: SpiTransferOptions = {}): Promise<Buffer> {
    // The mode is a property of the open device, so setting it and transferring must not be
    // split by another driver's transfer in another mode.
    return this.#lock.run(async () => {
      if (options.mode !== undefined && options.mode !== this.#mode) {
        const mode = options.mode;
        await call((cb) => this.#raw.setOptions({ mode }, cb));
        this.#mode = mode;
      }
      const rx = Buffer.alloc(tx.length);
      const message: RawSpiMessage = { byteLength: tx.length, sendBuffer: tx, receiveBuffer: rx };
      if (options.speedHz !== undefined) message.speedHz = options.speedHz;
      await call((cb) => this.#raw.transfer([message], cb));
      return rx;
    });
  }

  close(): Promise<void> {
    return this.#lock.run(() => call((cb) => this.#raw.close(cb)));
  }
}
