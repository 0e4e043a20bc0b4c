/** The sim's IIO devices: the models schemes attached (a DHT22 behind the dht11 driver), read as sysfs shows them. */
import type { Iio, IioDeviceInfo } from '../types.js';
import { notFoundError } from './errors.js';

/** A device in the sim's IIO tree. */
export interface SimIioDevice {
  /** The `name` file, the kernel driver's name. */
  readonly name: string;
  /** The text of `attribute`; throws as the kernel's read would (EIO, ETIMEDOUT, ENOENT). */
  read(attribute: string): string;
}

export class SimIio implements Iio {
  readonly #devices = new Map<string, SimIioDevice>();

  /** Puts `model` at `device` (`iio:deviceN`), or at the first free number; returns where. */
  place(model: SimIioDevice, device?: string): string {
    let at = device;
    for (let n = 0; at === undefined; n++) if (!this.#devices.has(`iio:device${n}`)) at = `iio:device${n}`;
    this.#devices.set(at, model);
    return at;
  }

  remove(device: string): void {
    this.#devices.delete(device);
  }

  async list(): Promise<IioDeviceInfo[]> {
    return [...this.#devices.entries()]
      .map(([device, model]) => ({ device, name: model.name }))
      .sort((a, b) => Number(a.device.slice(10)) - Number(b.device.slice(10)));
  }

  async read(device: string, attribute: string): Promise<string> {
    const model = this.#devices.get(device);
    if (!model) throw notFoundError(`/sys/bus/iio/devices/${device}/${attribute}`);
    return model.read(attribute).trim();
  }
}
