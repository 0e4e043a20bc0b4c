/**
 * ROHM BH1750FVI ambient light sensor on I2C. The chip has no registers, only one-byte
 * instructions ("Instruction set architecture", datasheet p.5) and a 16-bit result read as two
 * bytes. Page numbers are those of the BH1750FVI datasheet (rev. D).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineInput } from '../core/driver.js';
import type { I2cBus } from '../hardware/types.js';
import { i2cDevice, polled } from '../schemes/pieces.js';
import { attachBh1750 } from '../hardware/sim/chips/bh1750.js';

const POWER_ON = 0x01;
/** Measurement instructions (p.5): continuous 0x1_, one time 0x2_; the low nibble picks the resolution. */
const RESOLUTION = { high: 0x00, high2: 0x01, low: 0x03 } as const;
const CONTINUOUS = 0x10;
const ONE_TIME = 0x20;
/** Maximum measurement time at the default MTreg (electrical characteristics, p.2): H 180 ms, L 24 ms. */
const MAX_MS = { high: 180, high2: 180, low: 24 } as const;
/** MTreg at power-on (p.11); the lux formula is normalised to it. */
export const DEFAULT_MTREG = 69;

/** H-resolution (1 lx), H-resolution mode 2 (0.5 lx) or L-resolution (4 lx). */
export type Bh1750Resolution = keyof typeof RESOLUTION;

/**
 * Illuminance from the 16-bit count (p.7 and p.11): lx = count / 1.2 × (69 / MTreg), halved in
 * H-resolution mode 2, whose count has twice the resolution.
 */
export function bh1750Lux(count: number, resolution: Bh1750Resolution, mtreg = DEFAULT_MTREG): number {
  return (count / 1.2) * (DEFAULT_MTREG / mtreg) * (resolution === 'high2' ? 0.5 : 1);
}

/** The two instructions that set MTreg (p.11): 01000_MT[7:5], then 011_MT[4:0]. */
export function mtregInstructions(mtreg: number): [number, number] {
  return [0x40 | (mtreg >> 5), 0x60 | (mtreg & 0x1f)];
}

/** `driver: bh1750`: publishes illuminance (lx). */
export const bh1750 = defineInput({
  name: 'bh1750',
  direction: 'input',
  description: 'ROHM BH1750 ambient light sensor on I2C, in lux (one-time or continuous, three resolutions).',
  bus: 'i2c',
  schema: z.object({
    // ADDR low 0x23, high 0x5C (p.10).
    ...i2cDevice({ defaultAddress: 0x23, addresses: [0x23, 0x5c] }),
    mode: z
      .enum(['one-time', 'continuous'])
      .default('one-time')
      .describe('one-time: measure at each poll and power down in between; continuous: keep measuring (faster reads, about 120 µA)')
      .meta({ examples: ['one-time'] }),
    resolution: z
      .enum(['high', 'high2', 'low'])
      .default('high')
      .describe('high: 1 lx steps, 120 ms; high2: 0.5 lx steps, 120 ms; low: 4 lx steps, 16 ms')
      .meta({ examples: ['high'] }),
    mtreg: z
      .number()
      .int()
      .min(31)
      .max(254)
      .default(DEFAULT_MTREG)
      .describe('Measurement time register, 31-254: higher is more sensitive and slower (69 is the default; 254 reaches 0.11 lx in high2)')
      .meta({ examples: [69] }),
    ...polled('30s'),
  }),
  fields: [{ name: 'illuminance', type: 'number', unit: 'lx', description: 'Illuminance', deviceClass: 'illuminance' }],
  example: { id: 'garden-light', driver: 'bh1750', bus: 1, address: 0x23, mode: 'one-time', resolution: 'high', interval: '1m' },
  exampleFile: 'schemes/hall-light-level.yaml',
  sim: attachBh1750,
  polled: true,
  create(options, ctx) {
    let bus: I2cBus | undefined;
    const addr = options.address;
    const send = (b: I2cBus, ...instructions: number[]) =>
      instructions.reduce((done, i) => done.then(() => b.write(addr, Buffer.from([i]))), Promise.resolve());
    // The measurement time grows with MTreg in proportion (p.11).
    const measureMs = Math.ceil((MAX_MS[options.resolution] * options.mtreg) / DEFAULT_MTREG);
    const opcode = (options.mode === 'continuous' ? CONTINUOUS : ONE_TIME) | RESOLUTION[options.resolution];
    const lux = (data: Buffer) => Math.round(bh1750Lux(data.readUInt16BE(0), options.resolution, options.mtreg) * 100) / 100;
    return {
      async start() {
        const b = await ctx.hardware.i2c(options.bus);
        // Power on first: the chip starts powered down (measurement procedure, p.5). MTreg keeps its
        // value through power-down, so it is set once here.
        await b.exclusive((b) => send(b, POWER_ON, ...mtregInstructions(options.mtreg)));
        if (options.mode === 'continuous') {
          await send(b, opcode);
          // The first result only exists once the first measurement has ended.
          await sleep(measureMs);
        }
        bus = b;
      },
      async read() {
        const b = bus;
        if (!b) throw new Error('bh1750 not started');
        if (options.mode === 'continuous') return { illuminance: lux(await b.read(addr, 2)) };
        // Held through the measurement: a second read of this chip must not restart it halfway.
        // Other chips wait at most ~180 ms (660 ms at MTreg 254) once per poll.
        const data = await b.exclusive(async (b) => {
          await send(b, POWER_ON, opcode); // one-time mode powers down after each measurement (p.5)
          await sleep(measureMs);
          return b.read(addr, 2);
        });
        return { illuminance: lux(data) };
      },
      async stop() {
        bus = undefined;
      },
    };
  },
});
