/**
 * `OneWire` over the kernel's w1 sysfs tree. Reads use fs/promises only: the kernel blocks the
 * reading thread for the ~750 ms a DS18B20 conversion takes, and a synchronous read (as the
 * classic ds18b20 modules do) would freeze every other scheme and the MQTT client meanwhile.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OneWire } from '../types.js';

/** A slave id: two hex digits of family code, a dash, twelve hex digits of serial. */
const SLAVE_ID = /^[0-9a-f]{2}-[0-9a-f]{12}$/i;

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

export class LinuxOneWire implements OneWire {
  readonly #dir: string;

  /** `sysRoot` is the sysfs root; devices are read from `${sysRoot}/bus/w1/devices`. */
  constructor(sysRoot: string) {
    this.#dir = join(sysRoot, 'bus', 'w1', 'devices');
  }

  /** Ids of the slaves present, sorted; the bus masters (`w1_bus_master1`) are left out. [] without w1. */
  async list(): Promise<string[]> {
    try {
      return (await readdir(this.#dir)).filter((name) => SLAVE_ID.test(name)).sort();
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
  }

  async read(id: string): Promise<{ kind: 'w1_slave' | 'temperature'; text: string }> {
    // The id becomes a path; keep it to the slave form so it cannot reach outside the w1 tree.
    if (!SLAVE_ID.test(id)) throw new Error(`invalid 1-wire device id "${id}": expected the form 28-0316a2795aff`);
    try {
      return { kind: 'w1_slave', text: await readFile(join(this.#dir, id, 'w1_slave'), 'utf8') };
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    try {
      return { kind: 'temperature', text: await readFile(join(this.#dir, id, 'temperature'), 'utf8') };
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    throw new Error(`1-wire device ${id} not found: no w1_slave or temperature under ${join(this.#dir, id)}`);
  }
}
