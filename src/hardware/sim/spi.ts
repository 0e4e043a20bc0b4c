/** The sim's spidev device: full-duplex transfers answered by the chip model behind the chip select. */
import type { SpiDevice, SpiTransferOptions } from '../types.js';
import { BusLock } from '../linux/lock.js';
import { ioError } from './errors.js';

/** A chip model on a sim SPI chip select. */
export interface SpiChip {
  /** One transfer with CS held low: returns what the chip shifts out while `tx` is shifted in. */
  transfer(tx: Buffer, speedHz: number): Buffer;
  readonly failing: boolean;
}

export class SimSpiDevice implements SpiDevice {
  chip: SpiChip | undefined;
  readonly #lock = new BusLock();

  constructor(readonly bus: number, readonly device: number) {}

  get path(): string {
    return `/dev/spidev${this.bus}.${this.device}`;
  }

  transfer(tx: Buffer, options?: SpiTransferOptions): Promise<Buffer> {
    return this.#lock.run(async () => {
      if (tx.length === 0) throw new RangeError('SPI transfer needs at least one byte');
      const chip = this.chip;
      if (chip?.failing) throw ioError(`SPI transfer on ${this.path}`);
      // Nothing behind this chip select: MISO is never driven, and the Pi reads it as zeros.
      if (!chip) return Buffer.alloc(tx.length);
      return chip.transfer(Buffer.from(tx), options?.speedHz ?? 500_000);
    });
  }
}
