/**
 * Bosch BMP280 temperature and pressure sensor on I2C: the BME280 without its humidity channel,
 * so it runs on the same chip logic (bmx280.ts) in forced mode, oversampling x1 (BMP280
 * datasheet 3.4 "weather monitoring": one measurement per poll, sleep in between).
 */
import { z } from 'zod';
import { defineInput } from '../core/driver.js';
import { i2cDevice, polled } from '../schemes/pieces.js';
import { BMP280, bmx280Sensor } from './bmx280.js';

/** `driver: bmp280`: publishes temperature (°C) and pressure (hPa). */
export const bmp280 = defineInput({
  name: 'bmp280',
  direction: 'input',
  description: 'Bosch BMP280 temperature and pressure sensor on I2C (forced mode, oversampling x1).',
  bus: 'i2c',
  schema: z.object({
    // SDO to GND gives 0x76, to VDDIO 0x77 (datasheet 5.2).
    ...i2cDevice({ defaultAddress: 0x76, addresses: [0x76, 0x77] }),
    ...polled('30s'),
  }),
  fields: [
    { name: 'temperature', type: 'number', unit: '°C', description: 'Air temperature', deviceClass: 'temperature' },
    { name: 'pressure', type: 'number', unit: 'hPa', description: 'Barometric pressure', deviceClass: 'atmospheric_pressure' },
  ],
  example: { id: 'hall-pressure', driver: 'bmp280', bus: 1, address: 0x76, interval: '1m' },
  polled: true,
  create: (options, ctx) => bmx280Sensor(BMP280, options, ctx),
});
