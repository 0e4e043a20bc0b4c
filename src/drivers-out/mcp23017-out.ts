/**
 * A relay (or LED) on one pin of an MCP23017 I2C expander, one scheme per pin, switched
 * ON/OFF/TOGGLE. Schemes share the chip through {@link Mcp23017Port}, with `mcp23017-in` schemes
 * too, so no scheme clobbers another's direction or latch bits. Unlike the PCF8574, its outputs
 * are push-pull and source up to 25 mA (MCP23017 datasheet, 1.0 "Absolute maximum ratings").
 */
import { z } from 'zod';
import { defineOutput } from '../core/driver.js';
import { i2cDevice, levelName } from '../schemes/pieces.js';
import { expanderRelay, relayCommand } from './expander-relay.js';
import { Mcp23017Port } from './mcp23017-port.js';
import { MCP23017_ADDRESSES } from '../hardware/datasheets/mcp23017.js';
import { attachMcp23017Out } from '../hardware/sim/chips/mcp23017.js';

export const mcp23017Out = defineOutput({
  name: 'mcp23017-out',
  direction: 'output',
  description: 'One output pin of an MCP23017 I2C expander (relay boards), switched ON/OFF/TOGGLE; several schemes share one chip.',
  bus: 'i2c',
  shares: { chip: 'mcp23017', option: 'pin', channels: (o) => [`pin ${o.pin}`] },
  schema: z.object({
    ...i2cDevice({ defaultAddress: 0x20, addresses: MCP23017_ADDRESSES }),
    pin: z.number().int().min(0).max(15).describe('Expander pin: 0-7 for GPA0-GPA7, 8-15 for GPB0-GPB7').meta({ examples: [8] }),
    initial: levelName.default('OFF').describe('State to drive at start when there is nothing to restore').meta({ examples: ['OFF'] }),
    invert: z.boolean().default(false).describe('Drive the pin low for ON (active-low relay boards)').meta({ examples: [true] }),
  }),
  command: relayCommand,
  fields: [{ name: 'state', type: 'state', description: 'ON or OFF (before invert)' }],
  example: { id: 'sprinkler-zone-1', driver: 'mcp23017-out', bus: 1, address: 0x24, pin: 8, invert: true, initial: 'OFF' },
  exampleFile: 'schemes/window-contacts.yaml',
  sim: attachMcp23017Out,
  create: expanderRelay('mcp23017-out', async (options, ctx) => {
    const port = Mcp23017Port.of(await ctx.hardware.i2c(options.bus), options.address);
    return (level) => port.setOutput(options.pin, level);
  }),
});
