/**
 * A relay (or LED) on one pin of a PCF8574 I2C expander, one scheme per pin. Up to eight schemes
 * share one chip through {@link Pcf8574Port}, so they never clobber each other's pins.
 *
 * The PCF8574 sinks current well but sources only about 100 µA through its weak pull-up (TI
 * PCF8574 datasheet, "Quasi-Bidirectional I/Os"), which is why relay boards and LEDs on it are
 * nearly always wired active-low: set `invert: true` for those.
 */
import { z } from 'zod';
import { defineOutput } from '../core/driver.js';
import { i2cDevice, levelName } from '../schemes/pieces.js';
import { expanderRelay, relayCommand } from './expander-relay.js';
import { Pcf8574Port } from './pcf8574-port.js';
import { attachPcf8574Out } from '../hardware/sim/chips/pcf8574.js';

/** PCF8574 answers at 0x20..0x27, the PCF8574A at 0x38..0x3F (A2..A0 select within the range). */
export const PCF8574_ADDRESSES = [0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f];

export const pcf8574Out = defineOutput({
  name: 'pcf8574-out',
  direction: 'output',
  description: 'One output pin of a PCF8574/PCF8574A I2C expander (relay boards), switched ON/OFF/TOGGLE; several schemes share one chip.',
  bus: 'i2c',
  shares: { chip: 'pcf8574', option: 'pin', channels: (o) => [`pin ${o.pin}`] },
  schema: z.object({
    ...i2cDevice({ defaultAddress: 0x20, addresses: PCF8574_ADDRESSES }),
    pin: z.number().int().min(0).max(7).describe('Expander pin, 0..7 for P0..P7').meta({ examples: [3] }),
    initial: levelName.default('OFF').describe('State to drive at start when there is nothing to restore').meta({ examples: ['OFF'] }),
    invert: z.boolean().default(false).describe('Drive the pin low for ON (active-low relay boards, LEDs to VCC)').meta({ examples: [true] }),
  }),
  command: relayCommand,
  fields: [{ name: 'state', type: 'state', description: 'ON or OFF (before invert)' }],
  example: { id: 'garden-pump', driver: 'pcf8574-out', bus: 1, address: 0x20, pin: 3, invert: true, initial: 'OFF' },
  exampleFile: 'schemes/garden-relays.yaml',
  sim: attachPcf8574Out,
  create: expanderRelay('pcf8574-out', async (options, ctx) => {
    const port = Pcf8574Port.of(await ctx.hardware.i2c(options.bus), options.address);
    return async (level) => void (await port.set(options.pin, level));
  }),
});
