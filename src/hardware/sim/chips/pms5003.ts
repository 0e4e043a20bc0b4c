/**
 * A PMS5003 on a serial port in active mode: while the port is open it sends a 32-byte frame
 * (datasheets/pms5003.ts) every period, at 9600 baud only; opened at another rate it sends what
 * a UART would make of it, noise. The real sensor sends every 200-2300 ms depending on how fast
 * the concentration changes; the sim every 200 ms.
 */
import type { SimDevice } from '../types.js';
import type { SimSerialDevice, SimSerialLink } from '../serial.js';
import { checkQuantities } from '../quantities.js';
import { stringOption, type SimModel } from '../board.js';
import { pms5003Encode, PMS5003_WORDS, type Pms5003Reading } from '../../datasheets/pms5003.js';

const PERIOD_MS = 200;
const SPEC = {
  pm1_0: { type: 'number', min: 0, max: 1000, unit: 'µg/m³' },
  pm2_5: { type: 'number', min: 0, max: 1000, unit: 'µg/m³' },
  pm10: { type: 'number', min: 0, max: 1000, unit: 'µg/m³' },
  fail: { type: 'boolean' },
} as const;

/** A simulated PMS5003; `$sim` keys pm1_0, pm2_5, pm10 (µg/m³) and fail (it stops sending). */
export class Pms5003Sensor implements SimSerialDevice, SimDevice {
  pm1_0 = 4;
  pm2_5 = 7;
  pm10 = 9;
  failing = false;
  readonly #links = new Map<SimSerialLink, NodeJS.Timeout>();
  #noiseNext = false;

  /** The frame for the present concentrations; counts follow the masses roughly as in clean indoor air. */
  reading(): Pms5003Reading {
    const r = Object.fromEntries(PMS5003_WORDS.map((w) => [w, 0])) as Pms5003Reading;
    Object.assign(r, { pm1_0_cf1: this.pm1_0, pm2_5_cf1: this.pm2_5, pm10_cf1: this.pm10, pm1_0: this.pm1_0, pm2_5: this.pm2_5, pm10: this.pm10 });
    Object.assign(r, { particles_0_3: 150 * this.pm2_5, particles_0_5: 45 * this.pm2_5, particles_1_0: 8 * this.pm2_5, particles_2_5: this.pm2_5, particles_5_0: Math.round(this.pm10 / 3), particles_10: Math.round(this.pm10 / 9) });
    return r;
  }

  /** Test hook: the next frame goes out with a wrong check code, preceded by line noise. */
  corruptNextFrame(): void {
    this.#noiseNext = true;
  }

  set(quantities: Record<string, unknown>): void {
    const q = checkQuantities('pms5003', quantities, SPEC);
    for (const key of ['pm1_0', 'pm2_5', 'pm10'] as const) if (q[key] !== undefined) this[key] = Math.round(q[key] as number);
    if (q.fail !== undefined) this.failing = q.fail as boolean;
  }

  state(): Record<string, unknown> {
    return { pm1_0: this.pm1_0, pm2_5: this.pm2_5, pm10: this.pm10, open: this.#links.size, fail: this.failing };
  }

  opened(link: SimSerialLink, baudRate: number): void {
    const send = () => {
      if (this.failing) return;
      if (baudRate !== 9600) return link.send(Buffer.from([0xf8, 0x00, 0x78, 0x80, 0xfe]));
      const frame = pms5003Encode(this.reading());
      if (this.#noiseNext) {
        this.#noiseNext = false;
        frame[30]! ^= 0x01;
        return link.send(Buffer.concat([Buffer.from([0x00, 0x42, 0x13]), frame]));
      }
      link.send(frame);
    };
    this.#links.set(link, setInterval(send, PERIOD_MS));
    send();
  }

  closed(link: SimSerialLink): void {
    clearInterval(this.#links.get(link));
    this.#links.delete(link);
  }
}

/** Puts a PMS5003 at the scheme's serial `port`. */
export const attachPms5003: SimModel = (board, _id, options) => {
  const path = stringOption(options, 'port');
  return board.claim(
    `serial:${path}`,
    () => {
      const sensor = new Pms5003Sensor();
      board.serial.place(path, sensor);
      return sensor;
    },
    () => board.serial.remove(path),
  );
};
