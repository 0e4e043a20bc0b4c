/**
 * An INA219 at the register level (TI SBOS448G, 8.5-8.6): a register pointer and six 16-bit
 * big-endian registers. The shunt voltage comes from the simulated current through the board's
 * shunt resistor; the current and power registers are computed as the chip computes them, from
 * the shunt voltage register and the calibration register (8.5.1: Current = Shunt × Cal / 4096,
 * Power = Current × Bus / 5000), so a wrong calibration in the driver shows in the sim too.
 */
import type { I2cChip } from '../i2c.js';
import type { SimDevice } from '../types.js';
import { checkQuantities } from '../quantities.js';
import { claimI2cChip, numberOption, type SimModel } from '../board.js';

const REG = { config: 0x00, shunt: 0x01, bus: 0x02, power: 0x03, current: 0x04, calibration: 0x05 } as const;
const CONFIG_RESET = 0x399f; // power-on value of the configuration register
/** Shunt range in 10 µV steps by PG code: ±40, ±80, ±160, ±320 mV. */
const SHUNT_LIMIT = [4000, 8000, 16000, 32000];

const SPEC = {
  voltage: { type: 'number', min: 0, max: 32, unit: 'V' },
  current: { type: 'number', min: -100, max: 100, unit: 'A' },
  fail: { type: 'boolean' },
} as const;

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** A simulated INA219 with its shunt; `$sim` keys voltage (bus), current, fail. */
export class Ina219Chip implements I2cChip, SimDevice {
  /** Bus voltage on VIN- in volts, and current through the shunt in amperes. */
  voltage = 12;
  current = 0.5;
  failing = false;
  config = CONFIG_RESET;
  calibration = 0;
  #pointer = 0;

  /** `shuntOhms` is the resistor soldered on the simulated board. */
  constructor(public shuntOhms = 0.1) {}

  set(quantities: Record<string, unknown>): void {
    const q = checkQuantities('ina219', quantities, SPEC);
    if (q.fail !== undefined) this.failing = q.fail as boolean;
    if (q.voltage !== undefined) this.voltage = q.voltage as number;
    if (q.current !== undefined) this.current = q.current as number;
  }

  state(): Record<string, unknown> {
    return { voltage: this.voltage, current: this.current, shunt_ohms: this.shuntOhms, calibration: this.calibration, fail: this.failing };
  }

  /** The registers as the chip would show them after a conversion of the present quantities. */
  registers(): Record<keyof typeof REG, number> {
    const limit = SHUNT_LIMIT[(this.config >> 11) & 3]!;
    const shunt = clamp(Math.round((this.current * this.shuntOhms) / 10e-6), -limit, limit);
    const busRange = this.config & 0x2000 ? 32 : 16;
    const bus = Math.round(clamp(this.voltage, 0, busRange) / 0.004);
    const current = Math.trunc((shunt * this.calibration) / 4096);
    const power = Math.trunc((Math.abs(current) * bus) / 5000);
    const overflow = current > 32767 || current < -32768 || power > 0xffff;
    return {
      config: this.config,
      shunt: shunt & 0xffff,
      bus: (bus << 3) | 0x02 | (overflow ? 0x01 : 0), // CNVR set: a conversion has completed
      power: overflow ? 0 : power,
      current: overflow ? 0 : current & 0xffff,
      calibration: this.calibration,
    };
  }

  write(data: Buffer): void {
    if (data.length === 0) return;
    this.#pointer = data[0]! & 0x07;
    if (data.length < 3) return;
    const value = data.readUInt16BE(1);
    if (this.#pointer === REG.config) {
      // RST (bit 15) resets every register to its power-on value and clears itself.
      if (value & 0x8000) {
        this.config = CONFIG_RESET;
        this.calibration = 0;
      } else this.config = value;
    } else if (this.#pointer === REG.calibration) {
      this.calibration = value & 0xfffe; // FS0 does not exist: it always reads 0
    }
  }

  read(length: number): Buffer {
    const regs = this.registers();
    const name = (Object.keys(REG) as (keyof typeof REG)[]).find((k) => REG[k] === this.#pointer);
    const out = Buffer.alloc(length);
    if (length >= 2) out.writeUInt16BE(name ? regs[name] : 0, 0);
    return out;
  }
}

/** Puts an INA219 at the scheme's bus and address, with the scheme's shunt on the board. */
export const attachIna219: SimModel = (board, _id, options) => {
  const shunt = numberOption(options, 'shunt_ohms');
  const chip = claimI2cChip(board, options, { driver: 'ina219', type: Ina219Chip, create: () => new Ina219Chip(shunt) });
  chip.shuntOhms = shunt;
  return chip;
};
