/**
 * `Iio` over the kernel's IIO sysfs tree. Reads use fs/promises: the dht11 driver holds the
 * reading thread for the whole exchange with the sensor (several milliseconds, or until its
 * timeout), which a synchronous read would spend with every other scheme frozen.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Iio, IioDeviceInfo } from '../types.js';

const DEVICE = /^iio:device(\d+)$/;
// Attribute names become paths: letters, digits and underscores only, so none reaches outside the device.
const ATTRIBUTE = /^[a-z0-9_]+$/;

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

export class LinuxIio implements Iio {
  readonly #dir: string;

  /** `sysRoot` is the sysfs root; devices are read from `${sysRoot}/bus/iio/devices`. */
  constructor(sysRoot: string) {
    this.#dir = join(sysRoot, 'bus', 'iio', 'devices');
  }

  async list(): Promise<IioDeviceInfo[]> {
    let entries: string[];
    try {
      entries = (await readdir(this.#dir)).filter((d) => DEVICE.test(d));
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
    entries.sort((a, b) => Number(DEVICE.exec(a)![1]) - Number(DEVICE.exec(b)![1]));
    return Promise.all(
      entries.map(async (device) => ({ device, name: (await readFile(join(this.#dir, device, 'name'), 'utf8').catch(() => '')).trim() })),
    );
  }

  async read(device: string, attribute: string): Promise<string> {
    if (!DEVICE.test(device)) throw new Error(`invalid IIO device "${device}": expected the form iio:device0`);
    if (!ATTRIBUTE.test(attribute)) throw new Error(`invalid IIO attribute "${attribute}": expected a name such as in_temp_input`);
    return (await readFile(join(this.#dir, device, attribute), 'utf8')).trim();
  }
}
