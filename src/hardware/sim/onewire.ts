/** The sim's 1-wire bus: the DS18B20 models that schemes attached, read as w1-therm shows them. */
import type { OneWire } from '../types.js';
import { notFoundError } from './errors.js';

/** A device on the sim's 1-wire bus (the DS18B20 model in chips/ds18b20.ts). */
export interface OneWireSlave {
  readonly id: string;
  /** The `w1_slave` text the kernel would show for it. */
  w1Slave(): string;
}

export class SimOneWire implements OneWire {
  readonly #devices = new Map<string, OneWireSlave>();

  place(chip: OneWireSlave): void {
    this.#devices.set(chip.id, chip);
  }

  remove(id: string): void {
    this.#devices.delete(id);
  }

  device(id: string): OneWireSlave | undefined {
    return this.#devices.get(id);
  }

  async list(): Promise<string[]> {
    return [...this.#devices.keys()].sort();
  }

  async read(id: string): Promise<{ kind: 'w1_slave'; text: string }> {
    const chip = this.#devices.get(id);
    if (!chip) throw notFoundError(`/sys/bus/w1/devices/${id}/w1_slave`);
    return { kind: 'w1_slave', text: chip.w1Slave() };
  }
}
