/**
 * Texas Instruments INA219 current, voltage and power monitor on I2C. The calibration register is
 * programmed from the shunt and the largest expected current (datasheet 8.5.1), so the chip's
 * own current and power registers read directly in amperes and watts. It converts continuously
 * (12-bit, 532 µs); a reading is one burst of register reads. Section numbers are those of the
 * INA219 datasheet (SBOS448G).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineInput } from '../core/driver.js';
import type { I2cBus } from '../hardware/types.js';
import { i2cDevice, polled } from '../schemes/pieces.js';
import { attachIna219 } from '../hardware/sim/chips/ina219.js';

const REG = { config: 0x00, shunt: 0x01, bus: 0x02, power: 0x03, current: 0x04, calibration: 0x05 } as const;
/** Shunt full-scale ranges of PG = /1, /2, /4, /8 (configuration register 00h). */
const SHUNT_RANGES = [0.04, 0.08, 0.16, 0.32];
const ADC_12BIT = 0b0011; // BADC and SADC: 12-bit, one sample, 532 µs
const MODE_CONTINUOUS = 0b111; // shunt and bus, continuous

/** How the INA219 is programmed for a shunt and a maximum current, and how its registers scale. */
export interface Ina219Scaling {
  /** Calibration register value (8.5.1, equation 1); bit 0 does not exist and is always 0. */
  cal: number;
  /** Amperes per bit of the current register; the power register's LSB is 20 times this (equation 3). */
  currentLsb: number;
  /** PG bits of the config register: the smallest shunt range that holds shunt_ohms × max_current. */
  pga: number;
}

/** Equation 1 of 8.5.1: Cal = trunc(0.04096 / (Current_LSB × R_SHUNT)). */
export function ina219CalibrationValue(currentLsb: number, shuntOhms: number): number {
  // 0.04096 / (0.001 × 0.002) is 20480.000000000004 in floating point; without the margin a value
  // that is exactly whole on paper could truncate one short the other way.
  return Math.floor((0.04096 / (currentLsb * shuntOhms)) * (1 + 1e-12));
}

/**
 * Programming per 8.5.1: the minimum Current_LSB is max_current / 2^15 (equation 2); the
 * datasheet suggests rounding it up to a round value, so it becomes the next 1-2-5 step (its
 * worked example: 1 mA). It is also raised if Cal would not fit in 16 bits.
 */
export function ina219Scaling(shuntOhms: number, maxCurrent: number): Ina219Scaling {
  const shuntMax = shuntOhms * maxCurrent;
  const pga = SHUNT_RANGES.findIndex((range) => shuntMax <= range + 1e-12);
  if (pga < 0) throw new Error(`INA219: ${maxCurrent} A through ${shuntOhms} Ω is ${(shuntMax * 1000).toFixed(0)} mV, beyond the 320 mV shunt range`);
  const minimum = Math.max(maxCurrent / 32768, 0.04096 / (0xfffe * shuntOhms));
  const decade = 10 ** Math.floor(Math.log10(minimum));
  const step = [1, 2, 5, 10].map((m) => m * decade).find((v) => v >= minimum * (1 - 1e-12))!;
  const cal = ina219CalibrationValue(step, shuntOhms) & 0xfffe;
  return { cal, currentLsb: 0.04096 / (cal * shuntOhms), pga };
}

/** `driver: ina219`: publishes bus voltage (V), current (A), power (W) and shunt voltage (V). */
export const ina219 = defineInput({
  name: 'ina219',
  direction: 'input',
  description: 'Texas Instruments INA219 bus voltage, current and power monitor on I2C, with shunt calibration.',
  bus: 'i2c',
  schema: z.object({
    // A1 and A0 each strapped to GND, VS+, SDA or SCL: 16 addresses, 0x40-0x4F.
    ...i2cDevice({ defaultAddress: 0x40, addresses: Array.from({ length: 16 }, (_, i) => 0x40 + i) }),
    shunt_ohms: z.number().positive().max(10).default(0.1).describe('Shunt resistor in ohms (0.1 on most breakout boards)').meta({ examples: [0.1] }),
    max_current: z
      .number()
      .positive()
      .max(1000)
      .default(3.2)
      .describe('Largest current expected, in amperes; shunt_ohms × max_current must stay within 320 mV')
      .meta({ examples: [3.2] }),
    bus_range: z.literal([16, 32]).default(32).describe('Bus voltage range in volts').meta({ examples: [32] }),
    ...polled('10s'),
  }),
  fields: [
    { name: 'voltage', type: 'number', unit: 'V', description: 'Bus voltage (load side of the shunt)', deviceClass: 'voltage' },
    { name: 'current', type: 'number', unit: 'A', description: 'Current through the shunt; null when beyond the range', deviceClass: 'current' },
    { name: 'power', type: 'number', unit: 'W', description: 'Power delivered to the load; null when beyond the range', deviceClass: 'power' },
    { name: 'shunt_voltage', type: 'number', unit: 'V', description: 'Voltage across the shunt', deviceClass: 'voltage' },
  ],
  example: { id: 'solar-panel', driver: 'ina219', bus: 1, address: 0x40, shunt_ohms: 0.1, max_current: 3.2, interval: '10s' },
  exampleFile: 'schemes/solar-power.yaml',
  sim: attachIna219,
  polled: true,
  create(options, ctx) {
    let bus: I2cBus | undefined;
    let scaling: Ina219Scaling | undefined;
    const addr = options.address;
    const word = (register: number, value: number) => Buffer.from([register, value >> 8, value & 0xff]);
    const read16 = async (b: I2cBus, register: number) => (await b.readRegister(addr, register, 2)).readUInt16BE(0);
    const signed = (v: number) => (v & 0x8000 ? v - 0x10000 : v);
    return {
      async start() {
        const s = ina219Scaling(options.shunt_ohms, options.max_current);
        const { cal, pga } = s;
        const config = ((options.bus_range === 32 ? 1 : 0) << 13) | (pga << 11) | (ADC_12BIT << 7) | (ADC_12BIT << 3) | MODE_CONTINUOUS;
        const b = await ctx.hardware.i2c(options.bus);
        await b.exclusive(async (b) => {
          await b.write(addr, word(REG.config, config));
          await b.write(addr, word(REG.calibration, cal));
        });
        await sleep(2); // one shunt and one bus conversion (2 × 532 µs) before the first reading
        bus = b;
        scaling = s;
      },
      async read() {
        const b = bus;
        if (!b || !scaling) throw new Error('ina219 not started');
        const { cal, currentLsb } = scaling;
        // One burst under the lock, so the four values come from the same conversion as far as the chip allows.
        const [busReg, shunt, current, power, calibration] = await b.exclusive(async (b) => [
          await read16(b, REG.bus), await read16(b, REG.shunt), await read16(b, REG.current), await read16(b, REG.power), await read16(b, REG.calibration),
        ]);
        // A power cut resets Cal to 0 and the current and power registers then read 0 (8.5.3): fail
        // the read so the scheme restarts and programs it again, rather than report 0 A.
        if (calibration !== cal) throw new Error(`INA219 at 0x${addr.toString(16)}: calibration reads 0x${calibration!.toString(16)}, expected 0x${cal.toString(16)} (chip reset?)`);
        // Bus voltage register 02h: BD12..BD0 in bits 15-3, 4 mV each; CNVR in bit 1, OVF in bit 0.
        const overflow = (busReg! & 0x01) === 1;
        if (overflow) ctx.log.warn(`ina219 at 0x${addr.toString(16)}: current or power beyond the calibrated range (max_current ${options.max_current} A)`);
        return {
          voltage: round((busReg! >> 3) * 0.004, 3),
          current: overflow ? null : round(signed(current!) * currentLsb, 6),
          power: overflow ? null : round(power! * 20 * currentLsb, 6),
          shunt_voltage: round(signed(shunt!) * 10e-6, 5), // shunt voltage register 01h: 10 µV per bit
        };
      },
      async stop() {
        bus = undefined;
      },
    };
  },
});

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
