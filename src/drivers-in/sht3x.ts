/**
 * Sensirion SHT30/31/35 temperature and humidity sensor on I2C, in single-shot mode without clock
 * stretching: send the measurement command, wait the measurement time, read six bytes. Every
 * 16-bit word comes with a CRC-8, and a word whose CRC does not match makes the whole read fail:
 * a flipped bit on a long cable must never reach MQTT as a plausible temperature. Section
 * numbers are those of the SHT3x-DIS datasheet.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineInput } from '../core/driver.js';
import type { I2cBus } from '../hardware/types.js';
import { i2cDevice, polled } from '../schemes/pieces.js';
import { sensirionWords } from '../hardware/datasheets/crc8.js';
import { attachSht3x } from '../hardware/sim/chips/sht3x.js';

/**
 * Single-shot commands with clock stretching disabled (4.3, table 9), and the maximum measurement
 * duration of each repeatability (2.2, table 4) plus a millisecond of margin.
 */
const SINGLE_SHOT = {
  high: { command: 0x2400, waitMs: 16 },
  medium: { command: 0x240b, waitMs: 7 },
  low: { command: 0x2416, waitMs: 5 },
} as const;
const SOFT_RESET = 0x30a2; // 4.9
const READ_STATUS = 0xf32d; // 4.11
const RESET_MS = 2; // t_SR, 1.5 ms max (table 4)
// Without clock stretching a sensor still measuring NACKs the read header (4.4): try again briefly.
const NOT_READY_RETRIES = 3;
const RETRY_MS = 2;

/**
 * Checks and strips the CRC after each 16-bit word of `data` (word, word, … each followed by
 * its CRC, 4.12). Throws naming the word that failed.
 */
export function sht3xWords(data: Buffer, names: readonly string[]): number[] {
  return sensirionWords('SHT3x', data, names);
}

/** Datasheet 4.13: T = -45 + 175 · S_T / (2^16 - 1), RH = 100 · S_RH / (2^16 - 1). */
export function sht3xConvert(rawT: number, rawRH: number): { temperature: number; humidity: number } {
  return { temperature: -45 + (175 * rawT) / 65535, humidity: (100 * rawRH) / 65535 };
}

const command = (code: number) => Buffer.from([code >> 8, code & 0xff]);

/** `driver: sht3x`: publishes temperature (°C) and humidity (%RH), each word CRC-checked. */
export const sht3x = defineInput({
  name: 'sht3x',
  direction: 'input',
  description: 'Sensirion SHT30/SHT31/SHT35 temperature and humidity sensor on I2C (single shot, CRC-checked).',
  bus: 'i2c',
  schema: z.object({
    // ADDR pin low 0x44, high 0x45 (table 7).
    ...i2cDevice({ defaultAddress: 0x44, addresses: [0x44, 0x45] }),
    repeatability: z
      .enum(['high', 'medium', 'low'])
      .default('high')
      .describe('Measurement repeatability: high is the least noisy and takes longest (15 ms, against 6 and 4 ms)')
      .meta({ examples: ['high'] }),
    ...polled('30s'),
  }),
  fields: [
    { name: 'temperature', type: 'number', unit: '°C', description: 'Air temperature', deviceClass: 'temperature' },
    { name: 'humidity', type: 'number', unit: '%RH', description: 'Relative humidity', deviceClass: 'humidity' },
  ],
  example: { id: 'bedroom-climate', driver: 'sht3x', bus: 1, address: 0x44, repeatability: 'high', interval: '30s' },
  exampleFile: 'schemes/bathroom-humidity.yaml',
  sim: attachSht3x,
  polled: true,
  create(options, ctx) {
    let bus: I2cBus | undefined;
    const addr = options.address;
    const shot = SINGLE_SHOT[options.repeatability];
    const readResult = async (b: I2cBus, length: number): Promise<Buffer> => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await b.read(addr, length);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EREMOTEIO' || attempt >= NOT_READY_RETRIES) throw err;
          await sleep(RETRY_MS);
        }
      }
    };
    return {
      async start() {
        const b = await ctx.hardware.i2c(options.bus);
        await b.exclusive(async (b) => {
          await b.write(addr, command(SOFT_RESET));
          await sleep(RESET_MS);
          // The status word is CRC-protected too: reading it proves an SHT3x answers at this address.
          await b.write(addr, command(READ_STATUS));
          sht3xWords(await b.read(addr, 3), ['status']);
        });
        bus = b;
      },
      async read() {
        const b = bus;
        if (!b) throw new Error('sht3x not started');
        // Held for the whole exchange: a second read of the same sensor (a `read` request during a
        // poll) must not send its command in the middle of this one.
        const data = await b.exclusive(async (b) => {
          await b.write(addr, command(shot.command));
          await sleep(shot.waitMs);
          return readResult(b, 6);
        });
        const [rawT, rawRH] = sht3xWords(data, ['temperature', 'humidity']);
        const v = sht3xConvert(rawT!, rawRH!);
        return { temperature: round2(v.temperature), humidity: round2(v.humidity) };
      },
      async stop() {
        bus = undefined;
      },
    };
  },
});

const round2 = (v: number) => Math.round(v * 100) / 100;
