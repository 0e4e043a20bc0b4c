/**
 * An ADS1115 at the register level (TI ADS111x datasheet SBAS444D, 9.6): an address pointer and
 * four 16-bit big-endian registers. Writing the config register with OS = 1 in single-shot mode
 * starts one conversion of the selected input at the selected range; OS reads 0 until it is done
 * (one data-rate period later), then the conversion register holds the two's complement result.
 */
import type { I2cChip } from '../i2c.js';
import type { SimDevice } from '../types.js';
import { checkQuantities } from '../quantities.js';
import { claimI2cChip, type SimModel } from '../board.js';
import { ADS1115_INPUTS, type Ads1115Input } from '../../datasheets/ads1115.js';

/** Full-scale range by PGA code, and samples per second by DR code (9.6.3). */
const FSR = [6.144, 4.096, 2.048, 1.024, 0.512, 0.256, 0.256, 0.256];
const SPS = [8, 16, 32, 64, 128, 250, 475, 860];
/** AINP and AINN by MUX code (9.6.3); -1 is GND. */
const MUX: [number, number][] = [[0, 1], [0, 3], [1, 3], [2, 3], [0, -1], [1, -1], [2, -1], [3, -1]];

/** A simulated ADS1115, shared by the schemes reading its inputs. */
export class Ads1115Chip implements I2cChip {
  /** Voltage on AIN0..AIN3 against GND. */
  readonly voltages = [0, 0, 0, 0];
  failing = false;
  /** Config, Lo_thresh and Hi_thresh after reset (9.6.3-9.6.4). */
  #regs = [0x0000, 0x8583, 0x8000, 0x7fff];
  #pointer = 0;
  #busyUntil = 0;
  /** How many conversions were started. */
  conversions = 0;

  /** The input voltage the multiplexer setting `mux` presents to the ADC. */
  input(mux: number): number {
    const [p, n] = MUX[mux & 7]!;
    return this.voltages[p]! - (n < 0 ? 0 : this.voltages[n]!);
  }

  /** The ideal output code for `volts` at PGA code `pga` (9.5.4): clamped to 8000h..7FFFh. */
  static code(volts: number, pga: number): number {
    return Math.max(-32768, Math.min(32767, Math.round((volts * 32768) / FSR[pga & 7]!)));
  }

  write(data: Buffer): void {
    if (data.length === 0) return;
    this.#pointer = data[0]! & 0x03;
    if (data.length < 3) return; // a pointer write alone only selects what the next read returns
    const value = data.readUInt16BE(1);
    if (this.#pointer === 0) return; // the conversion register is read-only
    if (this.#pointer !== 1) {
      this.#regs[this.#pointer] = value;
      return;
    }
    const converting = performance.now() < this.#busyUntil;
    this.#regs[1] = value & 0x7fff;
    // OS = 1 starts a conversion only from power-down; it has no effect while one runs (9.6.3).
    if (value & 0x8000 && value & 0x0100 && !converting) this.#convert();
  }

  read(length: number): Buffer {
    let value: number;
    if (this.#pointer === 1) {
      value = (this.#regs[1]! & 0x7fff) | (performance.now() < this.#busyUntil ? 0 : 0x8000);
    } else {
      if (this.#pointer === 0 && !(this.#regs[1]! & 0x0100)) this.#latch(); // continuous mode: the latest conversion
      value = this.#regs[this.#pointer]!;
    }
    const out = Buffer.alloc(length);
    out.writeUInt16BE(value, 0);
    return out;
  }

  #convert(): void {
    const rate = SPS[(this.#regs[1]! >> 5) & 7]!;
    this.#busyUntil = performance.now() + 1000 / rate;
    this.conversions++;
    this.#latch();
  }

  /** Samples the selected input into the conversion register, as two's complement. */
  #latch(): void {
    const config = this.#regs[1]!;
    this.#regs[0] = Ads1115Chip.code(this.input(config >> 12), config >> 9) & 0xffff;
  }
}

const SPEC = {
  voltage: { type: 'number', min: -6.144, max: 6.144, unit: 'V' },
  fail: { type: 'boolean' },
} as const;

/** What one scheme sees of a shared ADS1115: its own input or pair. */
export class Ads1115InputView implements SimDevice {
  readonly mux: number;

  constructor(
    readonly chip: Ads1115Chip,
    readonly inputName: Ads1115Input,
  ) {
    this.mux = ADS1115_INPUTS[inputName];
  }

  /** `voltage` is what the scheme measures: AINx against GND, or for a pair AINP moved against AINN. */
  set(quantities: Record<string, unknown>): void {
    const q = checkQuantities('ads1115', quantities, SPEC);
    if (q.fail !== undefined) this.chip.failing = q.fail as boolean;
    if (q.voltage === undefined) return;
    const [p, n] = MUX[this.mux]!;
    this.chip.voltages[p] = (n < 0 ? 0 : this.chip.voltages[n]!) + (q.voltage as number);
  }

  state(): Record<string, unknown> {
    return { input: this.inputName, voltage: this.chip.input(this.mux), voltages: [...this.chip.voltages], fail: this.chip.failing };
  }
}

/** Puts an ADS1115 at the scheme's bus and address; schemes on other inputs share it. */
export const attachAds1115: SimModel = (board, _id, options) => {
  const chip = claimI2cChip(board, options, { driver: 'ads1115', type: Ads1115Chip, create: () => new Ads1115Chip() });
  return new Ads1115InputView(chip, options.input as Ads1115Input);
};
