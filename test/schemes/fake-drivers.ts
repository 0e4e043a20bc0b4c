/**
 * Stand-ins for the built-in drivers with the same names and option shapes, so the loader can be
 * tested before (and independently of) the real drivers. They never run.
 */
import { z } from 'zod';
import { defineInput, defineOutput } from '../../src/core/driver.js';
import { DriverRegistry } from '../../src/core/registry.js';
import { i2cDevice, levelName, pin, polled, spiDevice, duration } from '../../src/schemes/pieces.js';

const never = (): never => {
  throw new Error('fake driver');
};

const bme280 = defineInput({
  name: 'bme280',
  description: 'Bosch BME280 temperature, humidity and pressure sensor',
  bus: 'i2c',
  direction: 'input',
  polled: true,
  schema: z.object({ ...i2cDevice({ defaultAddress: 0x76, addresses: [0x76, 0x77] }), ...polled('30s') }),
  fields: [
    { name: 'temperature', type: 'number', unit: '°C', description: 'Temperature' },
    { name: 'humidity', type: 'number', unit: '%', description: 'Relative humidity' },
    { name: 'pressure', type: 'number', unit: 'hPa', description: 'Pressure' },
  ],
  example: { id: 'kitchen-climate', driver: 'bme280', address: 0x76 },
  create: never,
});

const ds18b20 = defineInput({
  name: 'ds18b20',
  description: 'DS18B20 1-wire thermometer',
  bus: '1-wire',
  direction: 'input',
  polled: true,
  schema: z.object({ sensor_id: z.string().regex(/^28-[0-9a-f]{12}$/).optional().describe('1-wire id'), ...polled('60s') }),
  fields: [{ name: 'temperature', type: 'number', unit: '°C', description: 'Temperature' }],
  example: { id: 'tank', driver: 'ds18b20' },
  create: never,
});

const gpioIn = defineInput({
  name: 'gpio-in',
  description: 'A GPIO input line',
  bus: 'gpio',
  direction: 'input',
  polled: false,
  schema: z.object({
    pin,
    pull: z.enum(['up', 'down', 'none']).default('none').describe('Bias'),
    invert: z.boolean().default(false).describe('Active low'),
    debounce: duration('Ignore edges for this long').optional(),
  }),
  fields: [{ name: 'state', type: 'state', description: 'ON or OFF' }],
  example: { id: 'door', driver: 'gpio-in', pin: 17 },
  create: never,
});

const mcp3008 = defineInput({
  name: 'mcp3008',
  description: 'MCP3008 8-channel ADC',
  bus: 'spi',
  direction: 'input',
  polled: true,
  schema: z.object({
    ...spiDevice({ maxSpeedHz: 3_600_000 }),
    channel: z.number().int().min(0).max(7).describe('Input channel'),
    vref: z.number().positive().default(3.3).describe('Reference voltage'),
    ...polled('10s'),
  }),
  fields: [
    { name: 'raw', type: 'integer', description: 'Raw count' },
    { name: 'voltage', type: 'number', unit: 'V', description: 'Voltage' },
  ],
  example: { id: 'soil', driver: 'mcp3008', channel: 0 },
  create: never,
});

const system = defineInput({
  name: 'system',
  description: 'Facts about the node itself',
  bus: 'system',
  direction: 'input',
  polled: true,
  schema: z.object({ ...polled('60s') }),
  fields: [
    { name: 'cpu_temp', type: 'number', unit: '°C', description: 'CPU temperature' },
    { name: 'load1', type: 'number', description: 'Load average' },
  ],
  example: { id: 'pi-health', driver: 'system' },
  create: never,
});

const gpioOut = defineOutput({
  name: 'gpio-out',
  description: 'A GPIO output line',
  bus: 'gpio',
  direction: 'output',
  schema: z.object({ pin, initial: levelName.default('OFF').describe('State at start') }),
  command: z.object({ state: levelName }),
  fields: [{ name: 'state', type: 'state', description: 'ON or OFF' }],
  example: { id: 'fan', driver: 'gpio-out', pin: 27 },
  create: never,
});

/** A registry with the fake drivers. */
export function fakeRegistry(): DriverRegistry {
  return new DriverRegistry({ inputs: { bme280, ds18b20, 'gpio-in': gpioIn, mcp3008, system }, outputs: { 'gpio-out': gpioOut } });
}
