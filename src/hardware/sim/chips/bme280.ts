/**
 * A BME280 at the register level (Bosch BME280 datasheet, section 5 "Global memory map").
 * The driver talks to it exactly as to the real chip: chip id, soft reset, calibration block,
 * ctrl_hum/ctrl_meas/config, the status bits, and the 0xF7..0xFE data burst. `set()` turns the
 * requested physical quantities into the raw ADC values that the datasheet compensation maps back
 * to them, so the real driver's maths is what produces the published numbers.
 */
import type { I2cChip } from '../i2c.js';
import type { SimDevice } from '../types.js';
import { type QuantitySpec, checkQuantities } from '../quantities.js';
import { claimI2cChip, type SimModel } from '../board.js';
import {
  type Bme280Calibration,
  CALIB_BLOCK_A,
  CALIB_BLOCK_B,
  compensateHumidity,
  compensatePressure,
  compensateTemperature,
  encodeCalibration,
} from '../../datasheets/bme280-compensation.js';

const REG = { id: 0xd0, reset: 0xe0, ctrlHum: 0xf2, status: 0xf3, ctrlMeas: 0xf4, config: 0xf5, data: 0xf7 } as const;
const RESET_WORD = 0xb6;
/** Reset value of the 20-bit data registers and of the humidity register (memory map, "reset state"). */
const SKIPPED_20 = 0x80000;
const SKIPPED_16 = 0x8000;
/** Oversampling codes 1..5 → x1..x16; 0 skips the measurement (datasheet 5.4.3 / 5.4.5). */
const OVERSAMPLING = [0, 1, 2, 4, 8, 16, 16, 16];

/**
 * Trimming values: temperature and pressure from the worked example of the BMP280 datasheet
 * (section 3.12), humidity from a real BME280. H4 and H5 use both nibbles of 0xE5.
 */
export const SIM_BME280_CALIBRATION: Bme280Calibration = {
  T1: 27504, T2: 26435, T3: -1000,
  P1: 36477, P2: -10685, P3: 3024, P4: 2855, P5: 140, P6: -7, P7: 15500, P8: -14600, P9: 6000,
  H1: 75, H2: 370, H3: 0, H4: 313, H5: 50, H6: 30,
};

const SPEC = {
  temperature: { type: 'number', min: -40, max: 85, unit: '°C' },
  humidity: { type: 'number', min: 0, max: 100, unit: '%RH' },
  pressure: { type: 'number', min: 300, max: 1100, unit: 'hPa' },
  fail: { type: 'boolean' },
} as const;
const { humidity: _humidity, ...SPEC_NO_HUMIDITY } = SPEC;

interface Quantities {
  temperature: number;
  humidity: number;
  pressure: number;
}

export class Bme280Chip implements I2cChip, SimDevice {
  readonly #regs = new Uint8Array(256);
  readonly #calibration: Bme280Calibration;
  #pointer = 0;
  #measuringUntil = 0;
  #imUpdateUntil = 0;
  #humOversampling = 0; // ctrl_hum only takes effect at the next ctrl_meas write (5.4.3)
  #quantities: Quantities = { temperature: 21.5, humidity: 45, pressure: 1013.25 };
  #raw = { adcT: 0, adcP: 0, adcH: 0 };
  readonly #humidity: boolean;
  readonly #label: string;
  failing = false;

  /**
   * `chipId` 0x58 makes it answer like a BMP280, for testing the driver's check. `humidity: false`
   * leaves out what a BMP280 lacks: ctrl_hum, the humidity data and the `humidity` quantity.
   */
  constructor(opts: { chipId?: number; calibration?: Bme280Calibration; humidity?: boolean; label?: string } = {}) {
    this.#humidity = opts.humidity ?? true;
    this.#label = opts.label ?? 'bme280';
    this.#calibration = opts.calibration ?? SIM_BME280_CALIBRATION;
    const { a, b } = encodeCalibration(this.#calibration);
    this.#regs.set(a, CALIB_BLOCK_A.register);
    this.#regs.set(b, CALIB_BLOCK_B.register);
    this.#regs[REG.id] = opts.chipId ?? 0x60;
    this.#reset();
    this.#solve();
  }

  set(quantities: Record<string, unknown>): void {
    const spec: Record<string, QuantitySpec> = this.#humidity ? SPEC : SPEC_NO_HUMIDITY;
    const q = checkQuantities(this.#label, quantities, spec);
    if (q.fail !== undefined) this.failing = q.fail as boolean;
    const { fail: _, ...physical } = q;
    if (Object.keys(physical).length === 0) return;
    this.#quantities = { ...this.#quantities, ...(physical as Partial<Quantities>) };
    this.#solve();
  }

  state(): Record<string, unknown> {
    const { humidity: _, ...tp } = this.#quantities;
    return { ...(this.#humidity ? this.#quantities : tp), fail: this.failing };
  }

  write(data: Buffer): void {
    this.#tick();
    if (data.length === 0) return;
    this.#pointer = data[0]!;
    // Multi-byte writes are register/value pairs; there is no auto-increment on write (6.2.1).
    for (let i = 0; i + 1 < data.length; i += 2) this.#writeRegister(data[i]!, data[i + 1]!);
  }

  read(length: number): Buffer {
    this.#tick();
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) {
      out[i] = this.#readRegister(this.#pointer);
      this.#pointer = (this.#pointer + 1) & 0xff; // reads auto-increment (6.2.2)
    }
    return out;
  }

  #readRegister(register: number): number {
    if (register === REG.status) {
      const now = performance.now();
      return (now < this.#measuringUntil ? 0x08 : 0) | (now < this.#imUpdateUntil ? 0x01 : 0);
    }
    return this.#regs[register]!;
  }

  #writeRegister(register: number, value: number): void {
    switch (register) {
      case REG.reset:
        if (value === RESET_WORD) this.#reset();
        return;
      case REG.ctrlHum:
        if (this.#humidity) this.#regs[register] = value & 0x07;
        return;
      case REG.ctrlMeas:
        this.#regs[register] = value;
        this.#humOversampling = this.#regs[REG.ctrlHum]! & 0x07;
        if ((value & 0x03) === 0x01 || (value & 0x03) === 0x02) this.#startForced();
        return;
      case REG.config:
        this.#regs[register] = value;
        return;
      default:
        return; // calibration, id and data registers are read-only
    }
  }

  #reset(): void {
    this.#regs[REG.ctrlHum] = 0;
    this.#regs[REG.ctrlMeas] = 0;
    this.#regs[REG.config] = 0;
    this.#humOversampling = 0;
    this.#measuringUntil = 0;
    this.#latch(SKIPPED_20, SKIPPED_20, SKIPPED_16);
    // After a reset the chip copies its NVM for a moment (status.im_update, 5.4.4).
    this.#imUpdateUntil = performance.now() + 2;
  }

  #startForced(): void {
    const meas = this.#regs[REG.ctrlMeas]!;
    const t = OVERSAMPLING[(meas >> 5) & 0x07]!;
    const p = OVERSAMPLING[(meas >> 2) & 0x07]!;
    const h = OVERSAMPLING[this.#humOversampling]!;
    // Typical measurement time, datasheet 9.1: 1 + 2·T + (2·P + 0.5) + (2·H + 0.5) ms.
    const ms = 1 + 2 * t + (p ? 2 * p + 0.5 : 0) + (h ? 2 * h + 0.5 : 0);
    this.#measuringUntil = performance.now() + ms;
  }

  /** Completes a forced measurement once its time is up, or samples continuously in normal mode. */
  #tick(): void {
    const mode = this.#regs[REG.ctrlMeas]! & 0x03;
    if (this.#measuringUntil > 0 && performance.now() >= this.#measuringUntil) {
      this.#measuringUntil = 0;
      this.#measure();
      this.#regs[REG.ctrlMeas] = this.#regs[REG.ctrlMeas]! & ~0x03; // forced mode falls back to sleep (3.3.3)
    } else if (mode === 0x03) {
      this.#measure();
    }
  }

  #measure(): void {
    const meas = this.#regs[REG.ctrlMeas]!;
    this.#latch(
      (meas >> 5) & 0x07 ? this.#raw.adcT : SKIPPED_20,
      (meas >> 2) & 0x07 ? this.#raw.adcP : SKIPPED_20,
      this.#humOversampling ? this.#raw.adcH : SKIPPED_16,
    );
  }

  /** Data registers 0xF7..0xFE: press msb/lsb/xlsb, temp msb/lsb/xlsb, hum msb/lsb (5.4.7-5.4.9). */
  #latch(adcT: number, adcP: number, adcH: number): void {
    const r = this.#regs;
    const d = REG.data;
    r[d] = adcP >> 12; r[d + 1] = (adcP >> 4) & 0xff; r[d + 2] = (adcP & 0x0f) << 4;
    r[d + 3] = adcT >> 12; r[d + 4] = (adcT >> 4) & 0xff; r[d + 5] = (adcT & 0x0f) << 4;
    r[d + 6] = adcH >> 8; r[d + 7] = adcH & 0xff;
  }

  /** Finds the ADC values the compensation maps to the set quantities (each formula is monotonic). */
  #solve(): void {
    const c = this.#calibration;
    const { temperature, humidity, pressure } = this.#quantities;
    const adcT = nearest((x) => compensateTemperature(x, c).centiC, 0, 0xfffff, temperature * 100);
    const { tFine } = compensateTemperature(adcT, c);
    const adcP = nearest((x) => compensatePressure(x, tFine, c), 0, 0xfffff, pressure * 100 * 256);
    const adcH = nearest((x) => compensateHumidity(x, tFine, c), 0, 0xffff, humidity * 1024);
    this.#raw = { adcT, adcP, adcH };
  }
}

/** The x in lo..hi whose f(x) is closest to `target`, for f monotonic (either way) over the range. */
export function nearest(f: (x: number) => number, lo: number, hi: number, target: number): number {
  const rising = f(hi) >= f(lo);
  const before = (x: number) => (rising ? f(x) < target : f(x) > target);
  let a = lo;
  let b = hi;
  while (a < b) {
    const mid = (a + b) >> 1;
    if (before(mid)) a = mid + 1;
    else b = mid;
  }
  if (a > lo && Math.abs(f(a - 1) - target) <= Math.abs(f(a) - target)) return a - 1;
  return a;
}

/** Puts a BME280 at the scheme's bus and address, shared by schemes naming the same place. */
export const attachBme280: SimModel = (board, _id, options) =>
  claimI2cChip(board, options, { driver: 'bme280', type: Bme280Chip, create: () => new Bme280Chip() });
