/**
 * Aosong AHT20 temperature and humidity sensor on I2C. At start the status byte must show the
 * calibration loaded (bit 3), else the chip is sent its initialisation command; each reading
 * triggers a measurement, waits for it on a timer (never blocking the event loop), and checks the
 * CRC-8 after the six bytes. Section numbers are those of the AHT20 datasheet.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineInput } from '../core/driver.js';
import type { I2cBus } from '../hardware/types.js';
import { i2cDevice, polled } from '../schemes/pieces.js';
import { crc8Sensirion } from '../hardware/datasheets/crc8.js';
import { AHT20, aht20Convert, aht20Raw } from '../hardware/datasheets/aht20.js';
import { attachAht20 } from '../hardware/sim/chips/aht20.js';

const ADDRESS = 0x38;
const INIT_MS = 10; // 5.4 step 1: wait 10 ms after 0xBE
const MEASURE_MS = 80; // 5.4 step 3: wait 80 ms for the measurement
const BUSY_RETRY_MS = 10;
const BUSY_RETRIES = 5;

/** Checks the frame (status, five data bytes, CRC; 5.4 step 4) and converts it. */
export function aht20Frame(frame: Buffer): { temperature: number; humidity: number } {
  if (frame.length < 7) throw new Error(`AHT20 answered ${frame.length} bytes, expected 7`);
  const crc = crc8Sensirion(frame.subarray(0, 6));
  if (crc !== frame[6]) throw new Error(`AHT20 frame ${frame.subarray(0, 6).toString('hex')} failed its CRC check (got 0x${frame[6]!.toString(16)}, expected 0x${crc.toString(16)})`);
  const { rawRH, rawT } = aht20Raw(frame);
  return aht20Convert(rawRH, rawT);
}

/** `driver: aht20`: publishes temperature (°C) and humidity (%RH), CRC-checked. */
export const aht20 = defineInput({
  name: 'aht20',
  direction: 'input',
  description: 'Aosong AHT20 (and AHT21/AHT25) temperature and humidity sensor on I2C (CRC-checked).',
  bus: 'i2c',
  schema: z.object({
    ...i2cDevice({ defaultAddress: ADDRESS, addresses: [ADDRESS] }),
    ...polled('30s'),
  }),
  fields: [
    { name: 'temperature', type: 'number', unit: '°C', description: 'Air temperature', deviceClass: 'temperature' },
    { name: 'humidity', type: 'number', unit: '%RH', description: 'Relative humidity', deviceClass: 'humidity' },
  ],
  example: { id: 'attic-climate', driver: 'aht20', bus: 1, address: ADDRESS, interval: '30s' },
  exampleFile: 'schemes/attic-climate.yaml',
  sim: attachAht20,
  polled: true,
  create(options, ctx) {
    let bus: I2cBus | undefined;
    const addr = options.address;
    const status = async (b: I2cBus) => {
      await b.write(addr, Buffer.from(AHT20.status));
      return (await b.read(addr, 1))[0]!;
    };
    return {
      async start() {
        const b = await ctx.hardware.i2c(options.bus);
        await b.exclusive(async (b) => {
          if ((await status(b)) & AHT20.calibrated) return;
          await b.write(addr, Buffer.from(AHT20.init));
          await sleep(INIT_MS);
          const after = await status(b);
          if (!(after & AHT20.calibrated)) throw new Error(`AHT20 at 0x${addr.toString(16)} on bus ${options.bus} did not load its calibration (status 0x${after.toString(16)}, expected bit 3 set)`);
        });
        bus = b;
      },
      async read() {
        const b = bus;
        if (!b) throw new Error('aht20 not started');
        const frame = await b.exclusive(async (b) => {
          await b.write(addr, Buffer.from(AHT20.trigger));
          await sleep(MEASURE_MS);
          for (let attempt = 0; ; attempt++) {
            const data = await b.read(addr, 7);
            if (!(data[0]! & AHT20.busy)) return data;
            if (attempt >= BUSY_RETRIES) throw new Error(`AHT20 at 0x${addr.toString(16)} still busy ${MEASURE_MS + attempt * BUSY_RETRY_MS} ms after the trigger (status bit 7 set)`);
            await sleep(BUSY_RETRY_MS);
          }
        });
        const v = aht20Frame(frame);
        return { temperature: round2(v.temperature), humidity: round2(v.humidity) };
      },
      async stop() {
        bus = undefined;
      },
    };
  },
});

const round2 = (v: number) => Math.round(v * 100) / 100;
