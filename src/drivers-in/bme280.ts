/**
 * Bosch BME280 temperature/humidity/pressure sensor on I2C, read in forced mode: one measurement
 * per poll, then the chip sleeps (datasheet 3.5.1 "weather monitoring"). The chip logic it shares
 * with the BMP280 lives in bmx280.ts; the compensation maths in hardware/datasheets/bme280-compensation.ts.
 */
import { defineInput } from '../core/driver.js';
import { BME280, bmx280Sensor, bmx280Fields, bmx280Schema } from './bmx280.js';
import { attachBme280 } from '../hardware/sim/chips/bme280.js';

export const bme280 = defineInput({
  name: 'bme280',
  direction: 'input',
  description: 'Bosch BME280 temperature, humidity and pressure sensor on I2C (forced mode, oversampling x1).',
  bus: 'i2c',
  schema: bmx280Schema,
  fields: [bmx280Fields.temperature, bmx280Fields.humidity, bmx280Fields.pressure],
  example: { id: 'kitchen-climate', driver: 'bme280', bus: 1, address: 0x76, interval: '30s' },
  exampleFile: 'schemes/kitchen-climate.yaml',
  sim: attachBme280,
  polled: true,
  create: (options, ctx) => bmx280Sensor(BME280, options, ctx),
});
