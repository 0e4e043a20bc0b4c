/**
 * Bosch BME280 temperature/humidity/pressure sensor on I2C, read in forced mode: one measurement
 * per poll, then the chip sleeps (datasheet 3.5.1 "weather monitoring"). Section numbers are
 * those of the BME280 datasheet; the compensation maths lives in bme280-compensation.ts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineInput } from '../core/driver.js';
import type { I2cBus } from '../hardware/types.js';
import { i2cDevice, polled } from '../schemes/pieces.js';
import {
  type Bme280Calibration,
  CALIB_BLOCK_A,
  CALIB_BLOCK_B,
  compensate,
  parseCalibration,
  parseRawData,
} from './bme280-compensation.js';

const REG = { id: 0xd0, reset: 0xe0, ctrlHum: 0xf2, status: 0xf3, ctrlMeas: 0xf4, config: 0xf5, data: 0xf7 } as const;
const CHIP_ID = { BME280: 0x60, BMP280: 0x58 } as const;
const RESET_WORD = 0xb6; // 5.4.2
const STATUS_MEASURING = 0x08; // 5.4.4
const STATUS_IM_UPDATE = 0x01;
// Oversampling x1 for all three, forced mode (5.4.3, 5.4.5): osrs_t=001, osrs_p=001, mode=01.
const CTRL_HUM_X1 = 0x01;
const CTRL_MEAS_FORCED_X1 = (0b001 << 5) | (0b001 << 2) | 0b01;
// Maximum measurement time at x1/x1/x1 (9.1: 1.25 + 2.3 + 2.875 + 2.875 ms), then poll status.
const MEASURE_MS = 10;
const POLL_MS = 2;
const MAX_WAIT_MS = 100;

export const bme280 = defineInput({
  name: 'bme280',
  direction: 'input',
  description: 'Bosch BME280 temperature, humidity and pressure sensor on I2C (forced mode, oversampling x1).',
  bus: 'i2c',
  schema: z.object({
    ...i2cDevice({ defaultAddress: 0x76, addresses: [0x76, 0x77] }),
    ...polled('30s'),
  }),
  fields: [
    { name: 'temperature', type: 'number', unit: '°C', description: 'Air temperature', deviceClass: 'temperature' },
    { name: 'humidity', type: 'number', unit: '%RH', description: 'Relative humidity', deviceClass: 'humidity' },
    { name: 'pressure', type: 'number', unit: 'hPa', description: 'Barometric pressure', deviceClass: 'atmospheric_pressure' },
  ],
  example: { id: 'kitchen-climate', driver: 'bme280', bus: 1, address: 0x76, interval: '30s' },
  polled: true,
  create(options, ctx) {
    let bus: I2cBus | undefined;
    let calibration: Bme280Calibration | undefined;
    const addr = options.address;
    const wait = async (mask: number, what: string) => {
      for (let waited = 0; ; waited += POLL_MS) {
        const [status] = await bus!.readRegister(addr, REG.status, 1);
        if ((status! & mask) === 0) return;
        if (waited >= MAX_WAIT_MS) throw new Error(`BME280 at 0x${addr.toString(16)}: ${what} did not finish within ${MAX_WAIT_MS} ms`);
        await sleep(POLL_MS);
      }
    };
    return {
      async start() {
        bus = await ctx.hardware.i2c(options.bus);
        calibration = await bus.exclusive(async () => {
          const [id] = await bus!.readRegister(addr, REG.id, 1);
          if (id === CHIP_ID.BMP280) {
            throw new Error(`chip at 0x${addr.toString(16)} is a BMP280 (chip id 0x58): it has no humidity sensor; the bme280 driver needs a BME280 (0x60)`);
          }
          if (id !== CHIP_ID.BME280) {
            throw new Error(`chip at 0x${addr.toString(16)} answered chip id 0x${id!.toString(16)}, expected 0x60 for a BME280`);
          }
          await bus!.write(addr, Buffer.from([REG.reset, RESET_WORD]));
          await sleep(2); // start-up time after reset, 1.1 table 1
          await wait(STATUS_IM_UPDATE, 'NVM copy after reset');
          const a = await bus!.readRegister(addr, CALIB_BLOCK_A.register, CALIB_BLOCK_A.length);
          const b = await bus!.readRegister(addr, CALIB_BLOCK_B.register, CALIB_BLOCK_B.length);
          // Filter off; config is only written reliably in sleep mode, which reset leaves us in (5.4.6).
          await bus!.write(addr, Buffer.from([REG.config, 0x00]));
          return parseCalibration(a, b);
        });
      },
      async read() {
        if (!bus || !calibration) throw new Error('bme280 not started');
        const data = await bus.exclusive(async () => {
          // ctrl_hum only takes effect once ctrl_meas is written after it (5.4.3).
          await bus!.write(addr, Buffer.from([REG.ctrlHum, CTRL_HUM_X1, REG.ctrlMeas, CTRL_MEAS_FORCED_X1]));
          await sleep(MEASURE_MS);
          await wait(STATUS_MEASURING, 'measurement');
          // One burst keeps the three values from the same measurement (4 "data readout").
          return bus!.readRegister(addr, REG.data, 8);
        });
        const raw = parseRawData(data);
        // All three at their reset values (0x80000, 0x80000, 0x8000; 5.4.7-5.4.9): no measurement ran.
        // One alone can be a real reading, all three together practically never.
        if (raw.adcT === 0x80000 && raw.adcP === 0x80000 && raw.adcH === 0x8000) {
          throw new Error(`BME280 at 0x${addr.toString(16)} returned its reset values: no measurement was taken`);
        }
        const v = compensate(raw, calibration);
        return { temperature: round(v.temperature, 2), humidity: round(v.humidity, 2), pressure: round(v.pressure, 2) };
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
