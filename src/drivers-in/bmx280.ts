/**
 * The chip logic the Bosch BMP280 and BME280 share: chip id check, soft reset, the calibration
 * block, forced-mode measurements and the status bits. The BME280 is a BMP280 with a humidity
 * channel added (ctrl_hum 0xF2, data 0xFD..0xFE, trimming at 0xA1 and 0xE1..0xE7); every other
 * register sits at the same address with the same meaning. bme280.ts and bmp280.ts only add
 * their schema and fields. Section numbers are those of the BME280 datasheet (BST-BME280-DS002),
 * with the BMP280's (BST-BMP280-DS001) in brackets.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { CommonOptions, FieldDef, InputContext, InputDriver, Reading } from '../core/driver.js';
import { i2cDevice, polled } from '../schemes/pieces.js';
import type { I2cBus } from '../hardware/types.js';
import {
  type Bme280Calibration,
  type Bmx280Calibration,
  CALIB_BLOCK_A,
  CALIB_BLOCK_B,
  compensateHumidity,
  compensatePressure,
  compensateTemperature,
  parseCalibration,
  parseRawTP,
  parseTPCalibration,
} from '../hardware/datasheets/bme280-compensation.js';

const REG = { id: 0xd0, reset: 0xe0, ctrlHum: 0xf2, status: 0xf3, ctrlMeas: 0xf4, config: 0xf5, data: 0xf7 } as const;
const RESET_WORD = 0xb6; // 5.4.2 (4.3.2)
const STATUS_MEASURING = 0x08; // 5.4.4 (4.3.3)
const STATUS_IM_UPDATE = 0x01;
// Oversampling x1 for every channel, forced mode (5.4.3, 5.4.5; 4.3.4): osrs_t=001, osrs_p=001, mode=01.
const CTRL_HUM_X1 = 0x01;
const CTRL_MEAS_FORCED_X1 = (0b001 << 5) | (0b001 << 2) | 0b01;
// Maximum measurement time at x1 (BME280 9.1: 1.25 + 2.3 + 2.875 + 2.875 ms; BMP280 table 13:
// 6.4 ms), then poll the status register.
const MEASURE_MS = 10;
const POLL_MS = 2;
const MAX_WAIT_MS = 100;
/** Reset values of the data registers (memory map "reset state"): no measurement has run. */
const SKIPPED_20 = 0x80000;
const SKIPPED_16 = 0x8000;

/** What tells the two chips apart. */
export interface Bmx280Variant {
  chip: 'BME280' | 'BMP280';
  /** Chip ids that are this chip (register 0xD0). */
  ids: readonly number[];
  humidity: boolean;
  /** What to tell a user whose chip answered `id`, when that id is the other chip's. */
  mismatch(id: number): string | undefined;
}

/**
 * BMP280 4.3.1: chip id 0x58 in mass production; Bosch's own driver also accepts 0x56 and 0x57,
 * the ids of engineering samples that still turn up on breakout boards.
 */
const BMP280_IDS = [0x58, 0x56, 0x57];
const BME280_IDS = [0x60]; // BME280 5.4.1

/** The BME280: temperature, pressure and humidity. */
export const BME280: Bmx280Variant = {
  chip: 'BME280',
  ids: BME280_IDS,
  humidity: true,
  mismatch: (id) =>
    BMP280_IDS.includes(id)
      ? `is a BMP280 (chip id 0x${id.toString(16)}): it has no humidity sensor; the bme280 driver needs a BME280 (0x60), or use the bmp280 driver`
      : undefined,
};

/** The BMP280: temperature and pressure only. */
export const BMP280: Bmx280Variant = {
  chip: 'BMP280',
  ids: BMP280_IDS,
  humidity: false,
  mismatch: (id) => (BME280_IDS.includes(id) ? 'is a BME280 (chip id 0x60): use the bme280 driver, which reads its humidity too' : undefined),
};

/** Options both drivers have. */
/** What both chips publish, and the options both take (SDO to GND gives 0x76, to VDDIO 0x77: datasheet 5.2). */
export const bmx280Fields = {
  temperature: { name: 'temperature', type: 'number', unit: '°C', description: 'Air temperature', deviceClass: 'temperature' },
  humidity: { name: 'humidity', type: 'number', unit: '%RH', description: 'Relative humidity', deviceClass: 'humidity' },
  pressure: { name: 'pressure', type: 'number', unit: 'hPa', description: 'Barometric pressure', deviceClass: 'atmospheric_pressure' },
} satisfies Record<string, FieldDef>;

export const bmx280Schema = z.object({
  ...i2cDevice({ defaultAddress: 0x76, addresses: [0x76, 0x77] }),
  ...polled('30s'),
});

export interface Bmx280Options extends CommonOptions {
  bus: number;
  address: number;
}

/** The driver instance behind a bme280 or bmp280 scheme. */
export function bmx280Sensor(variant: Bmx280Variant, options: Bmx280Options, ctx: InputContext): InputDriver {
  let bus: I2cBus | undefined;
  let calibration: Bmx280Calibration | undefined;
  const addr = options.address;
  const where = `${variant.chip} at 0x${addr.toString(16)}`;
  // ctrl_hum only takes effect once ctrl_meas is written after it (5.4.3): one write, both pairs.
  const trigger = Buffer.from(variant.humidity ? [REG.ctrlHum, CTRL_HUM_X1, REG.ctrlMeas, CTRL_MEAS_FORCED_X1] : [REG.ctrlMeas, CTRL_MEAS_FORCED_X1]);
  const wait = async (b: I2cBus, mask: number, what: string) => {
    for (let waited = 0; ; waited += POLL_MS) {
      const status = (await b.readRegister(addr, REG.status, 1))[0]!;
      if ((status & mask) === 0) return;
      if (waited >= MAX_WAIT_MS) throw new Error(`${where}: ${what} did not finish within ${MAX_WAIT_MS} ms`);
      await sleep(POLL_MS);
    }
  };
  return {
    async start() {
      const b = await ctx.hardware.i2c(options.bus);
      calibration = await b.exclusive(async (b) => {
        const [id] = await b.readRegister(addr, REG.id, 1);
        if (!variant.ids.includes(id!)) {
          const expected = `answered chip id 0x${id!.toString(16)}, expected 0x${variant.ids[0]!.toString(16)} for a ${variant.chip}`;
          throw new Error(`chip at 0x${addr.toString(16)} ${variant.mismatch(id!) ?? expected}`);
        }
        await b.write(addr, Buffer.from([REG.reset, RESET_WORD]));
        await sleep(2); // start-up time after reset, 1.1 table 1 (table 2)
        await wait(b, STATUS_IM_UPDATE, 'NVM copy after reset');
        const a = await b.readRegister(addr, CALIB_BLOCK_A.register, CALIB_BLOCK_A.length);
        const c = variant.humidity ? parseCalibration(a, await b.readRegister(addr, CALIB_BLOCK_B.register, CALIB_BLOCK_B.length)) : parseTPCalibration(a);
        // Filter off; config is only written reliably in sleep mode, which reset leaves us in (5.4.6; 4.3.5).
        await b.write(addr, Buffer.from([REG.config, 0x00]));
        return c;
      });
      bus = b;
    },
    async read(): Promise<Reading> {
      const b = bus;
      const c = calibration;
      if (!b || !c) throw new Error(`${variant.chip.toLowerCase()} not started`);
      const data = await b.exclusive(async (b) => {
        await b.write(addr, trigger);
        await sleep(MEASURE_MS);
        await wait(b, STATUS_MEASURING, 'measurement');
        // One burst keeps the values from the same measurement (4 "data readout"; 3.9).
        return b.readRegister(addr, REG.data, variant.humidity ? 8 : 6);
      });
      const { adcT, adcP } = parseRawTP(data);
      const adcH = variant.humidity ? (data[6]! << 8) | data[7]! : SKIPPED_16;
      // Every channel at its reset value (5.4.7-5.4.9; 4.3.6-4.3.7): no measurement ran. One alone
      // can be a real reading, all of them together practically never.
      if (adcT === SKIPPED_20 && adcP === SKIPPED_20 && adcH === SKIPPED_16) {
        throw new Error(`${where} returned its reset values: no measurement was taken`);
      }
      // Temperature first: its t_fine feeds the pressure and humidity formulas (4.2.3; 3.11.3).
      const { centiC, tFine } = compensateTemperature(adcT, c);
      const reading: Reading = { temperature: round(centiC / 100, 2) };
      if (variant.humidity) reading.humidity = round(compensateHumidity(adcH, tFine, c as Bme280Calibration) / 1024, 2);
      reading.pressure = round(compensatePressure(adcP, tFine, c) / 256 / 100, 2);
      return reading;
    },
    async stop() {
      bus = undefined;
    },
  };
}

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
