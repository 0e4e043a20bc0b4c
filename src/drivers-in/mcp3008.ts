/**
 * Microchip MCP3008 8-channel 10-bit ADC on SPI. One 3-byte transfer per reading (datasheet
 * section 6.1, figure 6-1): a start bit aligned so that the 10 result bits end the frame.
 */
import { z } from 'zod';
import { defineInput } from '../core/driver.js';
import type { SpiDevice } from '../hardware/types.js';
import { polled, spiDevice } from '../schemes/pieces.js';
import { attachMcp3008 } from '../hardware/sim/chips/mcp3008.js';

/** Datasheet 1.0 "AC characteristics": fCLK is at most 3.6 MHz at VDD = 5 V (1.35 MHz at 2.7 V). */
const MAX_SPEED_HZ = 3_600_000;

/** The command frame for one conversion (figure 6-1): start bit, then SGL/DIFF and D2..D0. */
export function mcp3008Frame(channel: number, differential: boolean): Buffer {
  return Buffer.from([0x01, (differential ? 0 : 0x80) | (channel << 4), 0x00]);
}

/** The 10-bit result: B9..B8 in the low bits of byte 1 (after the null bit), B7..B0 in byte 2. */
export function mcp3008Value(rx: Buffer): number {
  return ((rx[1]! & 0x03) << 8) | rx[2]!;
}

export const mcp3008 = defineInput({
  name: 'mcp3008',
  direction: 'input',
  description: 'Microchip MCP3008 10-bit ADC on SPI: one channel (or channel pair) per scheme.',
  bus: 'spi',
  schema: z.object({
    ...spiDevice({ maxSpeedHz: MAX_SPEED_HZ }),
    channel: z.number().int().min(0).max(7).describe('Input channel CH0-CH7; with differential, the pair code of datasheet table 5-2').meta({ examples: [0] }),
    differential: z
      .boolean()
      .default(false)
      .describe('Measure a channel pair instead of one channel against ground: code n reads CHn minus CH(n xor 1)')
      .meta({ examples: [false] }),
    vref: z.number().positive().max(5.5).default(3.3).describe('Voltage on the VREF pin, in volts').meta({ examples: [3.3] }),
    ...polled('5s'),
  }),
  fields: [
    { name: 'raw', type: 'integer', description: 'Conversion result 0-1023' },
    { name: 'voltage', type: 'number', unit: 'V', description: 'Input voltage, raw × vref / 1024', deviceClass: 'voltage' },
  ],
  example: { id: 'soil-moisture', driver: 'mcp3008', bus: 0, device: 0, channel: 0, vref: 3.3, interval: '5s' },
  exampleFile: 'schemes/soil-moisture.yaml',
  sim: attachMcp3008,
  polled: true,
  create(options, ctx) {
    let spi: SpiDevice | undefined;
    const frame = mcp3008Frame(options.channel, options.differential);
    return {
      async start() {
        spi = await ctx.hardware.spi(options.bus, options.device);
      },
      async read() {
        if (!spi) throw new Error('mcp3008 not started');
        const raw = mcp3008Value(await spi.transfer(frame, { speedHz: options.speed_hz, mode: 0 }));
        // Datasheet equation 4-1, digital output code = 1024 × VIN / VREF, solved for VIN.
        const voltage = Math.round(((raw * options.vref) / 1024) * 1000) / 1000;
        return { raw, voltage };
      },
      async stop() {
        spi = undefined;
      },
    };
  },
});
