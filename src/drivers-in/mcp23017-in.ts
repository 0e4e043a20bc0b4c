/**
 * Up to sixteen digital inputs on an MCP23017 I2C expander, published as p0…p15 ON/OFF whenever
 * one changes. Pins 0-7 are GPA0-GPA7, 8-15 GPB0-GPB7. The chip's 100 kΩ pull-ups (GPPU) hold
 * switches to ground high. Changes are found by polling, or with `int_pin` by reading INTF, INTCAP
 * and GPIO on each falling edge of INT (interrupt-on-change against the previous value, INTCON = 0;
 * IOCON.MIRROR so INTA covers both ports). Section numbers are those of the MCP23017 datasheet.
 */
import { z } from 'zod';
import { defineInput, type Reading } from '../core/driver.js';
import type { GpioLine } from '../hardware/types.js';
import { i2cDevice, pin, polled } from '../schemes/pieces.js';
import { portLooks } from './port-looks.js';
import { Mcp23017Port } from '../drivers-out/mcp23017-port.js';
import { MCP23017_ADDRESSES } from '../hardware/datasheets/mcp23017.js';
import { attachMcp23017In } from '../hardware/sim/chips/mcp23017.js';

const ALL_PINS = Array.from({ length: 16 }, (_, i) => i);
// INT is released by the read and re-asserted by a change after it: while it stays low, read again.
const MAX_READS_PER_EDGE = 4;

/** `driver: mcp23017-in`: publishes p0…p15 as ON/OFF for the listed pins, on change. */
export const mcp23017In = defineInput({
  name: 'mcp23017-in',
  direction: 'input',
  description: 'Up to sixteen digital inputs on an MCP23017 I2C expander, with pull-ups, published on change (polling, or the INT pin).',
  bus: 'i2c',
  shares: { chip: 'mcp23017', option: 'pins', channels: (o) => (Array.isArray(o.pins) ? o.pins : ALL_PINS).map((p) => `pin ${p}`) },
  schema: z.object({
    ...i2cDevice({ defaultAddress: 0x20, addresses: MCP23017_ADDRESSES }),
    pins: z
      .array(z.number().int().min(0).max(15))
      .min(1)
      .refine((p) => new Set(p).size === p.length, { message: 'a pin is listed twice' })
      .default(ALL_PINS)
      .describe('Which pins are inputs and published: 0-7 for GPA0-GPA7, 8-15 for GPB0-GPB7 (default: all sixteen)')
      .meta({ examples: [[0, 1, 2, 3]] }),
    pull_up: z.boolean().default(true).describe("Enable the chip's 100 kΩ pull-up on each listed pin (GPPU), for switches to ground").meta({ examples: [true] }),
    invert: z.boolean().default(false).describe('Publish ON for a low pin (switches to ground, the usual wiring)').meta({ examples: [true] }),
    int_pin: pin.optional().describe("BCM GPIO wired to the chip's INTA output: read on each interrupt instead of polling"),
    ...polled('100ms'),
  }),
  fields: ALL_PINS.map((p) => ({ name: `p${p}`, type: 'state' as const, description: `${p < 8 ? 'GPA' : 'GPB'}${p % 8} as ON/OFF (after invert); only the listed pins` })),
  example: { id: 'window-contacts', driver: 'mcp23017-in', bus: 1, address: 0x24, pins: [0, 1, 2, 3], invert: true, int_pin: 25 },
  exampleFile: 'schemes/window-contacts.yaml',
  sim: attachMcp23017In,
  polled: false,
  create(options, ctx) {
    let port: Mcp23017Port | undefined;
    let line: GpioLine | undefined;
    let unwatch: (() => void) | undefined;
    let last: number | undefined;
    const mask = options.pins.reduce((m, p) => m | (1 << p), 0);
    const toReading = (value: number): Reading =>
      Object.fromEntries(options.pins.map((p) => [`p${p}`, (((value >> p) & 1) === 1) !== options.invert ? 'ON' : 'OFF']));
    const publish = (value: number) => {
      if ((value & mask) === last) return;
      last = value & mask;
      ctx.emit(toReading(last));
    };

    const look = async () => {
      const p = port;
      if (!p) return;
      for (let reads = 0; reads < MAX_READS_PER_EDGE; reads++) {
        if (!line) return publish(await p.readPort());
        const { flags, captured, port: now } = await p.readInterrupt();
        if (port !== p) return;
        // A press shorter than the bus read is seen only in INTCAP: publish it before the present.
        // INTCAP holds only the port that interrupted; the other port's byte comes from GPIO.
        const fromCapture = (flags & 0xff ? 0x00ff : 0) | (flags & 0xff00 ? 0xff00 : 0);
        if (flags & mask) publish((captured & fromCapture) | (now & ~fromCapture));
        publish(now);
        if ((await line.read()) === 1) return;
      }
    };
    const looks = portLooks(look, { alive: () => port !== undefined, fail: (err) => ctx.fail(err) });
    const stop = async () => {
      unwatch?.();
      unwatch = undefined;
      port = undefined;
      last = undefined;
      const l = line;
      line = undefined;
      await looks.cancel();
      await l?.close();
    };

    return {
      async start() {
        const p = Mcp23017Port.of(await ctx.hardware.i2c(options.bus), options.address);
        try {
          await p.configureInputs(mask, { pullUp: options.pull_up, interrupt: options.int_pin !== undefined });
          // Watch INT before the first read: a change right after it still gives an edge.
          if (options.int_pin !== undefined) {
            line = await ctx.hardware.gpio.open(options.int_pin, { direction: 'in', edge: 'falling' });
            unwatch = line.watch(looks.check);
          }
          const first = line ? (await p.readInterrupt()).port : await p.readPort();
          port = p;
          publish(first);
        } catch (err) {
          await stop();
          throw err;
        }
        if (line) looks.check();
        else looks.poll(options.interval);
      },
      async read() {
        if (!port) throw new Error('mcp23017-in not started');
        return toReading((last = (await port.readPort()) & mask));
      },
      stop,
    };
  },
});
