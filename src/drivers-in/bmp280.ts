/**
 * Bosch BMP280 temperature and pressure sensor on I2C: the BME280 without its humidity channel,
 * so it runs on the same chip logic (bmx280.ts) in forced mode, oversampling x1 (BMP280
 * datasheet 3.4 "weather monitoring": one measurement per poll, sleep in between).
 */
import { defineInput } from '../core/driver.js';
import { BMP280, bmx280Sensor, bmx280Fields, bmx280Schema } from './bmx280.js';
import { attachBmp280 } from '../hardware/sim/chips/bmp280.js';

/** `driver: bmp280`: publishes temperature (°C) and pressure (hPa). */
export const bmp280 = defineInput({
  name: 'bmp280',
  direction: 'input',
  description: 'Bosch BMP280 temperature and pressure sensor on I2C (forced mode, oversampling x1).',
  bus: 'i2c',
  schema: bmx280Schema,
  fields: [bmx280Fields.temperature, bmx280Fields.pressure],
  example: { id: 'hall-pressure', driver: 'bmp280', bus: 1, address: 0x76, interval: '1m' },
  exampleFile: 'schemes/hall-pressure.yaml',
  sim: attachBmp280,
  polled: true,
  create: (options, ctx) => bmx280Sensor(BMP280, options, ctx),
});
