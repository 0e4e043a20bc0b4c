/**
 * A BH1750FVI at the instruction level (ROHM datasheet, "Instruction set architecture" p.5): one
 * byte per instruction, no registers, a 16-bit big-endian result. It models power-down, the
 * continuous and one-time modes (one-time powers down after its measurement), the three
 * resolutions and MTreg (p.11), with measurement times that scale with MTreg.
 */
import type { I2cChip } from '../i2c.js';
import type { SimDevice } from '../types.js';
import { checkQuantities } from '../quantities.js';
import { claimI2cChip, type SimModel } from '../board.js';

/** Typical measurement time at MTreg 69 (p.2): H and H2 120 ms, L 16 ms. */
const TYPICAL_MS = { high: 120, high2: 120, low: 16 } as const;
type Resolution = keyof typeof TYPICAL_MS;
const RESOLUTION_BY_NIBBLE: Record<number, Resolution> = { 0x0: 'high', 0x1: 'high2', 0x3: 'low' };

const SPEC = {
  illuminance: { type: 'number', min: 0, max: 100_000, unit: 'lx' },
  fail: { type: 'boolean' },
} as const;

/** A simulated BH1750; `$sim` keys illuminance, fail. */
export class Bh1750Chip implements I2cChip, SimDevice {
  illuminance = 250;
  failing = false;
  powered = false;
  mtreg = 69;
  /** Every instruction byte received, oldest first. */
  readonly instructions: number[] = [];
  #mode: { continuous: boolean; resolution: Resolution } | undefined;
  #started = 0;
  #data = 0;

  set(quantities: Record<string, unknown>): void {
    const q = checkQuantities('bh1750', quantities, SPEC);
    if (q.fail !== undefined) this.failing = q.fail as boolean;
    if (q.illuminance !== undefined) this.illuminance = q.illuminance as number;
  }

  state(): Record<string, unknown> {
    return { illuminance: this.illuminance, powered: this.powered, mtreg: this.mtreg, fail: this.failing };
  }

  /** The count the chip reports for `lux`: the inverse of lx = count / 1.2 × 69 / MTreg (÷ 2 in H2). */
  count(lux: number, resolution: Resolution): number {
    const c = lux * 1.2 * (this.mtreg / 69) * (resolution === 'high2' ? 2 : 1);
    return Math.min(0xffff, Math.max(0, Math.round(c)));
  }

  write(data: Buffer): void {
    for (const byte of data) this.#instruction(byte);
  }

  read(length: number): Buffer {
    this.#tick();
    const out = Buffer.alloc(length);
    out.writeUInt16BE(this.#data, 0);
    return out;
  }

  #instruction(byte: number): void {
    this.#tick();
    this.instructions.push(byte);
    if (byte === 0x00) {
      this.powered = false;
      this.#mode = undefined;
    } else if (byte === 0x01) {
      this.powered = true;
    } else if (byte === 0x07) {
      if (this.powered) this.#data = 0; // reset clears the data register; not accepted powered down
    } else if ((byte & 0xf8) === 0x40) {
      this.mtreg = (this.mtreg & 0x1f) | ((byte & 0x07) << 5);
    } else if ((byte & 0xe0) === 0x60) {
      this.mtreg = (this.mtreg & 0xe0) | (byte & 0x1f);
    } else if ((byte & 0xe0) === 0x00 || (byte & 0xe0) === 0x20) {
      const resolution = RESOLUTION_BY_NIBBLE[byte & 0x0f];
      const kind = byte & 0xf0;
      if (!resolution || (kind !== 0x10 && kind !== 0x20)) return; // not an instruction of table p.5
      // A measurement instruction also powers the chip up (the state diagram on p.5).
      this.powered = true;
      this.#mode = { continuous: kind === 0x10, resolution };
      this.#started = performance.now();
    }
  }

  /** Finishes the measurement in progress once its time is up. */
  #tick(): void {
    const mode = this.#mode;
    if (!mode) return;
    const ms = (TYPICAL_MS[mode.resolution] * this.mtreg) / 69;
    if (performance.now() - this.#started < ms) return;
    this.#data = this.count(this.illuminance, mode.resolution);
    if (mode.continuous) {
      this.#started = performance.now();
    } else {
      this.#mode = undefined;
      this.powered = false; // one-time mode: power down after the measurement (p.5)
    }
  }
}

/** Puts a BH1750 at the scheme's bus and address. */
export const attachBh1750: SimModel = (board, _id, options) =>
  claimI2cChip(board, options, { driver: 'bh1750', type: Bh1750Chip, create: () => new Bh1750Chip() });
