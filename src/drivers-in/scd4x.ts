/**
 * Sensirion SCD40/SCD41 CO₂ sensor on I2C in periodic measurement mode: a new measurement every
 * 5 s, taken when a poll finds it ready. Each 16-bit word carries the Sensirion CRC-8, and a word
 * that fails it fails the read. Section numbers are those of the SCD4x datasheet.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineInput } from '../core/driver.js';
import type { I2cBus } from '../hardware/types.js';
import { i2cDevice, polled } from '../schemes/pieces.js';
import { crc8Sensirion, sensirionWords } from '../hardware/datasheets/crc8.js';
import { SCD4X, SCD4X_READY_MASK, scd4xConvert } from '../hardware/datasheets/scd4x.js';
import { attachScd4x } from '../hardware/sim/chips/scd4x.js';

const ADDRESS = 0x62;
const STOP_MS = 500; // 3.5.3: the sensor takes 500 ms to go idle
const COMMAND_MS = 1; // 3.5.2, 3.8.2: execution time of read and data-ready
// A measurement comes every 5 s (3.5.1); a poll that finds none waits for the next one.
const READY_POLL_MS = 250;
const READY_TIMEOUT_MS = 6000;

/** A command with one argument word and its CRC (3.3). */
export function scd4xCommand(code: number, arg?: number): Buffer {
  const bytes = [code >> 8, code & 0xff];
  if (arg !== undefined) bytes.push(arg >> 8, arg & 0xff, crc8Sensirion([arg >> 8, arg & 0xff]));
  return Buffer.from(bytes);
}

/** Checks the three words of read_measurement and converts them (3.5.2). */
export function scd4xMeasurement(data: Buffer): { co2: number; temperature: number; humidity: number } {
  const [co2, rawT, rawRH] = sensirionWords('SCD4x', data, ['CO2', 'temperature', 'humidity']);
  return scd4xConvert(co2!, rawT!, rawRH!);
}

/** `driver: scd4x`: publishes co2 (ppm), temperature (°C) and humidity (%RH). */
export const scd4x = defineInput({
  name: 'scd4x',
  direction: 'input',
  description: 'Sensirion SCD40/SCD41 CO₂, temperature and humidity sensor on I2C (periodic measurement, CRC-checked).',
  bus: 'i2c',
  schema: z.object({
    ...i2cDevice({ defaultAddress: ADDRESS, addresses: [ADDRESS] }),
    altitude: z.number().int().min(0).max(3000).optional().describe('Height above sea level in metres, for pressure compensation (set in idle mode at start)').meta({ examples: [250] }),
    ambient_pressure: z.number().int().min(700).max(1200).optional().describe('Ambient pressure in hPa; overrides altitude compensation').meta({ examples: [1013] }),
    ...polled('30s'),
  }),
  fields: [
    { name: 'co2', type: 'integer', unit: 'ppm', description: 'CO₂ concentration', deviceClass: 'carbon_dioxide' },
    { name: 'temperature', type: 'number', unit: '°C', description: 'Air temperature at the sensor', deviceClass: 'temperature' },
    { name: 'humidity', type: 'number', unit: '%RH', description: 'Relative humidity at the sensor', deviceClass: 'humidity' },
  ],
  example: { id: 'office-co2', driver: 'scd4x', bus: 1, address: ADDRESS, altitude: 250, interval: '30s' },
  exampleFile: 'schemes/office-co2.yaml',
  sim: attachScd4x,
  polled: true,
  create(options, ctx) {
    let bus: I2cBus | undefined;
    const addr = options.address;
    const send = (b: I2cBus, code: number, arg?: number) => b.write(addr, scd4xCommand(code, arg));
    /** One command and its answer, with the bus held so another chip's traffic cannot come between. */
    const ask = (b: I2cBus, code: number, words: number) =>
      b.exclusive(async (b) => {
        await send(b, code);
        await sleep(COMMAND_MS);
        return b.read(addr, 3 * words);
      });
    return {
      async start() {
        const b = await ctx.hardware.i2c(options.bus);
        await b.exclusive(async (b) => {
          // A sensor left measuring by an earlier run takes no configuration: stop it first.
          await send(b, SCD4X.stopPeriodic);
          await sleep(STOP_MS);
          if (options.altitude !== undefined) await send(b, SCD4X.setAltitude, options.altitude);
          await send(b, SCD4X.startPeriodic);
          if (options.ambient_pressure !== undefined) await send(b, SCD4X.setAmbientPressure, options.ambient_pressure);
        });
        bus = b;
      },
      async read() {
        const waited = Date.now();
        for (;;) {
          const b = bus;
          if (!b) throw new Error('scd4x not started');
          const [status] = sensirionWords('SCD4x', await ask(b, SCD4X.dataReady, 1), ['data-ready status']);
          if (status! & SCD4X_READY_MASK) break;
          if (Date.now() - waited > READY_TIMEOUT_MS) throw new Error(`SCD4x at 0x${addr.toString(16)} had no measurement ready within ${READY_TIMEOUT_MS / 1000} s (data-ready status 0x${status!.toString(16)})`);
          await sleep(READY_POLL_MS);
        }
        const b = bus;
        if (!b) throw new Error('scd4x stopped');
        const v = scd4xMeasurement(await ask(b, SCD4X.readMeasurement, 3));
        return { co2: v.co2, temperature: round2(v.temperature), humidity: round2(v.humidity) };
      },
      async stop() {
        const b = bus;
        bus = undefined;
        // Back to idle: the sensor draws less and the next start finds it configurable.
        await b?.exclusive((b) => send(b, SCD4X.stopPeriodic)).catch((err: Error) => ctx.log.warn({ err: err.message }, 'scd4x: stop_periodic_measurement failed'));
      },
    };
  },
});

const round2 = (v: number) => Math.round(v * 100) / 100;
