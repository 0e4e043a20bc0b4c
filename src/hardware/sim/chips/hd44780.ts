/**
 * A PCF8574 backpack with an HD44780 LCD behind it, on the sim I2C bus. Every byte written sets
 * the expander's eight pins; on each falling edge of E the LCD takes RS, R/W and D4–D7 as they
 * stood while E was high (HD44780U datasheet figure 25). It starts in 8-bit mode as after power-up,
 * follows function set into 4-bit mode (pairs of nibbles, high first), and runs the instructions
 * of table 6 against a DDRAM model. It also checks the waits of figure 24 and the 1.52 ms of
 * clear/home: a nibble that comes too soon is ignored, as the busy LCD would, and noted in `errors`.
 */
import type { I2cChip } from '../i2c.js';
import type { SimDevice } from '../types.js';
import { checkQuantities } from '../quantities.js';
import { claimI2cChip, numberOption, type SimModel } from '../board.js';
import { type BackpackPins, COMMON_BACKPACK } from '../../datasheets/lcd-backpack.js';
import { decodeChar } from '../../datasheets/hd44780-charset.js';

/** One byte the LCD received: an instruction (rs 0) or character data (rs 1). */
export interface LcdTransfer {
  rs: 0 | 1;
  value: number;
}

/** The backpack and LCD as one I2C chip; see the file comment for what it models. */
export class Hd44780Chip implements I2cChip, SimDevice {
  /** DDRAM by address; two-line mode uses 0x00–0x27 and 0x40–0x67. */
  readonly ddram = new Uint8Array(0x80).fill(0x20);
  readonly transfers: LcdTransfer[] = [];
  readonly errors: string[] = [];
  failing = false;
  /** PCF8574 pins; all high after power-up (PCF8574 datasheet, power-on reset). */
  port = 0xff;
  fourBit = false;
  twoLine = false;
  displayOn = false;
  address = 0;
  #increment = true;
  #cgram = false;
  #high: number | undefined;
  #busyUntil: number;
  #initSteps = 0;

  constructor(
    readonly geometry: { columns: number; rows: number } = { columns: 16, rows: 2 },
    readonly pins: BackpackPins = COMMON_BACKPACK,
  ) {
    this.#busyUntil = performance.now() + 40; // figure 24: wait > 40 ms after VCC rises to 2.7 V
  }

  get backlight(): boolean {
    return (this.port & (1 << this.pins.backlight)) !== 0;
  }

  write(data: Buffer): void {
    for (const byte of data) {
      const before = this.port;
      this.port = byte;
      const e = 1 << this.pins.e;
      if (before & e && !(byte & e)) this.#latch(before);
    }
  }

  read(length: number): Buffer {
    return Buffer.alloc(length, this.port);
  }

  /** The text of each row, from DDRAM at the row offsets 0x00, 0x40, columns, 0x40 + columns. */
  rows(): string[] {
    const { columns, rows } = this.geometry;
    const offsets = [0x00, 0x40, columns, 0x40 + columns].slice(0, rows);
    return offsets.map((o) => Array.from(this.ddram.subarray(o, o + columns), decodeChar).join(''));
  }

  set(quantities: Record<string, unknown>): void {
    const q = checkQuantities('hd44780', quantities, { fail: { type: 'boolean' } });
    if (q.fail !== undefined) this.failing = q.fail as boolean;
  }

  state(): Record<string, unknown> {
    return { display_on: this.displayOn, backlight: this.backlight, text: this.rows().join('\n'), fail: this.failing };
  }

  #bit(port: number, pin: number): number {
    return (port >> pin) & 1;
  }

  #latch(port: number): void {
    if (this.#bit(port, this.pins.rw)) return; // a read cycle: the LCD drives the bus and takes nothing
    const p = this.pins;
    const rs = this.#bit(port, p.rs) as 0 | 1;
    const nibble = this.#bit(port, p.d4) | (this.#bit(port, p.d5) << 1) | (this.#bit(port, p.d6) << 2) | (this.#bit(port, p.d7) << 3);
    const now = performance.now();
    if (now < this.#busyUntil) {
      this.errors.push(`nibble 0x${nibble.toString(16)} (rs ${rs}) came ${(this.#busyUntil - now).toFixed(2)} ms too early`);
      return;
    }
    if (!this.fourBit) {
      // 8-bit mode: D0–D3 are not wired on a backpack; figure 24 marks them don't-care.
      this.#high = undefined;
      return this.#execute(rs, nibble << 4);
    }
    if (this.#high === undefined) {
      this.#high = nibble;
      return;
    }
    const value = (this.#high << 4) | nibble;
    this.#high = undefined;
    this.#execute(rs, value);
  }

  #execute(rs: 0 | 1, value: number): void {
    this.transfers.push({ rs, value });
    if (rs) return this.#data(value);
    if (value & 0x80) {
      this.address = value & 0x7f;
      this.#cgram = false;
    } else if (value & 0x40) this.#cgram = true;
    else if (value & 0x20) this.#functionSet(value);
    else if (value & 0x08) this.displayOn = (value & 0x04) !== 0;
    else if (value & 0x04) this.#increment = (value & 0x02) !== 0;
    else if (value & 0x02) this.#home(false);
    else if (value & 0x01) this.#home(true);
  }

  #functionSet(value: number): void {
    const eightBit = (value & 0x10) !== 0;
    if (eightBit && !this.fourBit && this.#initSteps < 2) {
      // Figure 24: before the busy flag can be trusted, > 4.1 ms after the first 0x3, > 100 µs after the second.
      this.#busyUntil = performance.now() + (this.#initSteps === 0 ? 4.1 : 0.1);
      this.#initSteps++;
    }
    this.fourBit = !eightBit;
    if (!eightBit) this.#initSteps = 2;
    // N and F only count once the interface is 4 bits long (figure 24).
    if (this.fourBit) this.twoLine = (value & 0x08) !== 0;
  }

  #home(clear: boolean): void {
    if (clear) {
      this.ddram.fill(0x20);
      this.#increment = true;
    }
    this.address = 0;
    this.#busyUntil = performance.now() + 1.52;
  }

  #data(value: number): void {
    if (this.#cgram) return;
    this.ddram[this.address] = value;
    // Two-line mode: 0x27 runs on to 0x40 and 0x67 back to 0x00; one-line mode wraps at 0x4F.
    const step = this.#increment ? 1 : -1;
    let next = this.address + step;
    if (this.twoLine) {
      if (next === 0x28) next = 0x40;
      else if (next === 0x68) next = 0x00;
      else if (next === 0x3f) next = 0x27;
      else if (next === -1) next = 0x67;
    } else next = (next + 0x50) % 0x50;
    this.address = next;
  }
}

/** Puts a backpack with an LCD of the scheme's size and pin map at its bus and address. */
export const attachHd44780: SimModel = (board, _id, options) => {
  const geometry = { columns: numberOption(options, 'columns'), rows: numberOption(options, 'rows') };
  const pins = options.pins as BackpackPins;
  return claimI2cChip(board, options, { driver: 'hd44780', type: Hd44780Chip, create: () => new Hd44780Chip(geometry, pins) });
};
