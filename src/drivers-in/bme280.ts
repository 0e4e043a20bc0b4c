/**
 * Bosch BME280 temperature/humidity/pressure sensor on I2C, read in forced mode: one measurement
 * per poll, then the chip sleeps (datasheet 3.5.1 "weather monitoring"). The chip logic it shares
 * with the BMP280 lives in bmx280.ts; the compensation maths in bme280-compensation.ts.
 */
import { z } from 'zod';
import { defineInput } from '../core/driver.js';
import { i2cDevice, polled } from '../schemes/pieces.js';
import { BME280, bmx280Sensor } from './bmx280.js';

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
  create: (options, ctx) => bmx280Sensor(BME280, options, ctx),
});
