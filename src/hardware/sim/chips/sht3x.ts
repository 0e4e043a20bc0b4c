/**
 * An SHT3x at the command level (Sensirion SHT3x-DIS datasheet, section 4): 16-bit commands, no
 * registers. A single-shot command starts a measurement; reading before it is done, or when no
 * result is waiting, is NACKed (4.4), as is a read after the result was taken. Each word goes
 * out with its CRC-8 (4.12), so the driver's check runs on every sim reading too.
 */
import type { I2cChip } from '../i2c.js';
import type { SimDevice } from '../types.js';
import { checkQuantities } from '../quantities.js';
import { remoteIoError } from '../errors.js';
import { crc8Sensirion } from '../../datasheets/crc8.js';
import { claimI2cChip, type SimModel } from '../board.js';

/** Single-shot commands → typical measurement time in ms (tables 4 and 9), with and without clock stretching. */
const SINGLE_SHOT = new Map([
  [0x2400, 12.5], [0x240b, 4.5], [0x2416, 2.5],
  [0x2c06, 0], [0x2c0d, 0], [0x2c10, 0], // clock stretching: the chip holds SCL until done
]);
const SOFT_RESET = 0x30a2;
const READ_STATUS = 0xf32d;
const CLEAR_STATUS = 0x3041;
/** Status after a reset: bit 4 "system reset detected" (4.11, table 17). */
const STATUS_RESET = 0x0010;

const SPEC = {
  temperature: { type: 'number', min: -40, max: 125, unit: '°C' },
  humidity: { type: 'number', min: 0, max: 100, unit: '%RH' },
  fail: { type: 'boolean' },
} as const;

/** A simulated SHT3x; `$sim` keys temperature, humidity, fail. */
export class Sht3xChip implements I2cChip, SimDevice {
  temperature = 21.5;
  humidity = 45;
  failing = false;
  /** Commands received, oldest first. */
  readonly commands: number[] = [];
  #status = STATUS_RESET;
  #readyAt = 0;
  #pending: Buffer | undefined;
  #corrupt = false;

  constructor(
    readonly bus = 1,
    readonly address = 0x44,
  ) {}

  /** The 16-bit ticks the chip reports for a quantity: the inverse of datasheet 4.13. */
  static ticks(temperature: number, humidity: number): { rawT: number; rawRH: number } {
    const clamp = (v: number) => Math.min(65535, Math.max(0, Math.round(v)));
    return { rawT: clamp(((temperature + 45) * 65535) / 175), rawRH: clamp((humidity * 65535) / 100) };
  }

  /** Test hook: the next result goes out with one bit flipped in the temperature word, as noise on the wire would. */
  corruptNextReading(): void {
    this.#corrupt = true;
  }

  set(quantities: Record<string, unknown>): void {
    const q = checkQuantities('sht3x', quantities, SPEC);
    if (q.fail !== undefined) this.failing = q.fail as boolean;
    if (q.temperature !== undefined) this.temperature = q.temperature as number;
    if (q.humidity !== undefined) this.humidity = q.humidity as number;
  }

  state(): Record<string, unknown> {
    return { temperature: this.temperature, humidity: this.humidity, fail: this.failing };
  }

  write(data: Buffer): void {
    if (data.length < 2) return; // half a command is ignored
    const code = data.readUInt16BE(0);
    this.commands.push(code);
    const wait = SINGLE_SHOT.get(code);
    if (wait !== undefined) {
      const { rawT, rawRH } = Sht3xChip.ticks(this.temperature, this.humidity);
      // The CRC is the one of the true value, so a flipped bit is caught as the real chip's would be.
      const sent = this.#corrupt ? rawT ^ 0x0100 : rawT;
      this.#corrupt = false;
      this.#pending = Buffer.from([...word(sent, rawT), ...word(rawRH)]);
      this.#readyAt = performance.now() + wait;
    } else if (code === SOFT_RESET) {
      this.#pending = undefined;
      this.#status = STATUS_RESET;
    } else if (code === READ_STATUS) {
      this.#pending = Buffer.from(word(this.#status));
      this.#readyAt = 0;
    } else if (code === CLEAR_STATUS) {
      this.#status = 0;
    }
  }

  read(length: number): Buffer {
    // No result waiting, or the measurement still running: the read header is NACKed (4.4).
    if (!this.#pending || performance.now() < this.#readyAt) throw remoteIoError(this.bus, this.address);
    const out = Buffer.alloc(length, 0xff);
    this.#pending.copy(out, 0, 0, Math.min(length, this.#pending.length));
    this.#pending = undefined;
    return out;
  }
}

/** A 16-bit word and its CRC; `crcOf` gives the CRC of other bits, for a corrupted word. */
function word(value: number, crcOf = value): number[] {
  const bytes = [(value >> 8) & 0xff, value & 0xff];
  return [...bytes, crc8Sensirion([(crcOf >> 8) & 0xff, crcOf & 0xff])];
}

/** Puts an SHT3x at the scheme's bus and address. */
export const attachSht3x: SimModel = (board, _id, options) =>
  claimI2cChip(board, options, { driver: 'sht3x', type: Sht3xChip, create: (bus, address) => new Sht3xChip(bus, address) });
