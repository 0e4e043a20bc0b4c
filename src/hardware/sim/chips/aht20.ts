/**
 * An AHT20 at the command level (Aosong AHT20 datasheet, 5.3-5.5): no registers, three-byte
 * commands. Every read returns the status byte first; after a trigger the chip stays busy (status
 * bit 7) for the measurement time, then the read gives status, five data bytes and the CRC-8.
 * It powers up without its calibration loaded (status bit 3 clear) until it is sent 0xBE.
 */
import type { I2cChip } from '../i2c.js';
import type { SimDevice } from '../types.js';
import { checkQuantities } from '../quantities.js';
import { crc8Sensirion } from '../../datasheets/crc8.js';
import { AHT20 } from '../../datasheets/aht20.js';
import { claimI2cChip, type SimModel } from '../board.js';

/** Typical measurement time (table 8: 75 ms at most; the driver waits 80 ms). */
const MEASURE_MS = 60;

const SPEC = {
  temperature: { type: 'number', min: -40, max: 85, unit: '°C' },
  humidity: { type: 'number', min: 0, max: 100, unit: '%RH' },
  fail: { type: 'boolean' },
} as const;

/** A simulated AHT20; `$sim` keys temperature, humidity, fail. */
export class Aht20Chip implements I2cChip, SimDevice {
  temperature = 21.5;
  humidity = 45;
  failing = false;
  calibrated = false;
  /** Commands received (first byte of each write), oldest first. */
  readonly commands: number[] = [];
  #busyUntil = 0;
  #data = Buffer.alloc(5);
  #corrupt = false;

  /** The inverse of datasheet 6.1/6.2, clamped to 20 bits. */
  static raw(temperature: number, humidity: number): { rawRH: number; rawT: number } {
    const clamp = (v: number) => Math.min(0xfffff, Math.max(0, Math.round(v)));
    return { rawRH: clamp((humidity / 100) * 2 ** 20), rawT: clamp(((temperature + 50) / 200) * 2 ** 20) };
  }

  /** Test hook: the next result goes out with a bit flipped in its data and the CRC of the true bytes. */
  corruptNextReading(): void {
    this.#corrupt = true;
  }

  set(quantities: Record<string, unknown>): void {
    const q = checkQuantities('aht20', quantities, SPEC);
    if (q.fail !== undefined) this.failing = q.fail as boolean;
    if (q.temperature !== undefined) this.temperature = q.temperature as number;
    if (q.humidity !== undefined) this.humidity = q.humidity as number;
  }

  state(): Record<string, unknown> {
    return { temperature: this.temperature, humidity: this.humidity, calibrated: this.calibrated, fail: this.failing };
  }

  write(data: Buffer): void {
    const cmd = data[0];
    if (cmd === undefined) return;
    this.commands.push(cmd);
    if (cmd === AHT20.init[0]) this.calibrated = true;
    else if (cmd === AHT20.reset[0]) this.#busyUntil = 0;
    else if (cmd === AHT20.trigger[0] && data[1] === AHT20.trigger[1]) {
      const { rawRH, rawT } = Aht20Chip.raw(this.temperature, this.humidity);
      this.#data = Buffer.from([rawRH >> 12, (rawRH >> 4) & 0xff, ((rawRH & 0x0f) << 4) | (rawT >> 16), (rawT >> 8) & 0xff, rawT & 0xff]);
      this.#busyUntil = performance.now() + MEASURE_MS;
    }
  }

  read(length: number): Buffer {
    const busy = performance.now() < this.#busyUntil;
    const status = 0x10 | (busy ? AHT20.busy : 0) | (this.calibrated ? AHT20.calibrated : 0);
    const frame = Buffer.from([status, ...this.#data, 0]);
    frame[6] = crc8Sensirion(frame.subarray(0, 6));
    if (this.#corrupt && !busy && length >= 7) {
      frame[2]! ^= 0x04;
      this.#corrupt = false;
    }
    const out = Buffer.alloc(length, 0xff);
    frame.copy(out, 0, 0, Math.min(length, 7));
    return out;
  }
}

/** Puts an AHT20 at the scheme's bus and address. */
export const attachAht20: SimModel = (board, _id, options) =>
  claimI2cChip(board, options, { driver: 'aht20', type: Aht20Chip, create: () => new Aht20Chip() });
