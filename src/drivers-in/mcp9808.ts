/**
 * Microchip MCP9808 digital temperature sensor on I2C (±0.25 °C typical). It converts
 * continuously; a reading is one read of the ambient temperature register. Section numbers are
 * those of the MCP9808 datasheet (DS25095A).
 */
import { z } from 'zod';
import { defineInput } from '../core/driver.js';
import type { I2cBus } from '../hardware/types.js';
import { i2cDevice, polled } from '../schemes/pieces.js';
import { attachMcp9808 } from '../hardware/sim/chips/mcp9808.js';

const REG = { config: 0x01, ambient: 0x05, manufacturer: 0x06, device: 0x07, resolution: 0x08 } as const;
const MANUFACTURER_ID = 0x0054; // register 0x06
const DEVICE_ID = 0x04; // upper byte of register 0x07; the lower byte is the revision
const CONFIG_SHDN = 0x0100; // shutdown bit of CONFIG: no conversions while set
/** Resolution register codes (register 0x08): 0.5, 0.25, 0.125 and 0.0625 °C; conversion 30 to 250 ms. */
const RESOLUTION_CODE = { 0.5: 0, 0.25: 1, 0.125: 2, 0.0625: 3 } as const;

/**
 * The ambient temperature register (5.1.3): bits 15-13 are the T_CRIT, T_UPPER and T_LOWER alert
 * flags and are not part of the value; bits 12-0 are the temperature in 1/16 °C as 13-bit two's
 * complement, bit 12 the sign. For a negative value the datasheet's example code (equation 5-1)
 * computes 256 − (UpperByte × 16 + LowerByte / 16), which is |T|; sign extension gives T itself.
 */
export function mcp9808Celsius(msb: number, lsb: number): number {
  const raw = ((msb & 0x1f) << 8) | lsb;
  return (raw & 0x1000 ? raw - 0x2000 : raw) / 16;
}

/** `driver: mcp9808`: publishes temperature (°C). */
export const mcp9808 = defineInput({
  name: 'mcp9808',
  direction: 'input',
  description: 'Microchip MCP9808 precision temperature sensor on I2C (±0.25 °C typical).',
  bus: 'i2c',
  schema: z.object({
    // A2..A0 pins select 0x18-0x1F.
    ...i2cDevice({ defaultAddress: 0x18, addresses: [0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f] }),
    resolution: z
      .literal([0.5, 0.25, 0.125, 0.0625])
      .default(0.0625)
      .describe('Temperature step in °C: 0.0625 takes 250 ms per conversion, 0.5 takes 30 ms')
      .meta({ examples: [0.0625] }),
    ...polled('30s'),
  }),
  fields: [{ name: 'temperature', type: 'number', unit: '°C', description: 'Temperature', deviceClass: 'temperature' }],
  example: { id: 'server-room-temp', driver: 'mcp9808', bus: 1, address: 0x18, resolution: 0.0625, interval: '30s' },
  exampleFile: 'schemes/fridge-temperature.yaml',
  sim: attachMcp9808,
  polled: true,
  create(options, ctx) {
    let bus: I2cBus | undefined;
    const addr = options.address;
    return {
      async start() {
        const b = await ctx.hardware.i2c(options.bus);
        await b.exclusive(async (b) => {
          const manufacturer = (await b.readRegister(addr, REG.manufacturer, 2)).readUInt16BE(0);
          const [device] = await b.readRegister(addr, REG.device, 2);
          if (manufacturer !== MANUFACTURER_ID || device !== DEVICE_ID) {
            const hex = (v: number, digits: number) => '0x' + v.toString(16).padStart(digits, '0');
            throw new Error(`chip at ${hex(addr, 2)} is not an MCP9808: manufacturer id ${hex(manufacturer, 4)}, device id ${hex(device!, 2)} (expected 0x0054, 0x04)`);
          }
          // A chip left in shutdown by another program would report a frozen temperature forever.
          const config = (await b.readRegister(addr, REG.config, 2)).readUInt16BE(0);
          if (config & CONFIG_SHDN) {
            const woken = config & ~CONFIG_SHDN;
            await b.write(addr, Buffer.from([REG.config, woken >> 8, woken & 0xff]));
          }
          await b.write(addr, Buffer.from([REG.resolution, RESOLUTION_CODE[options.resolution]]));
        });
        bus = b;
      },
      async read() {
        if (!bus) throw new Error('mcp9808 not started');
        const [msb, lsb] = await bus.readRegister(addr, REG.ambient, 2);
        return { temperature: mcp9808Celsius(msb!, lsb!) };
      },
      async stop() {
        bus = undefined;
      },
    };
  },
});
