/**
 * Eight digital inputs on a PCF8574/PCF8574A I2C expander, published as p0…p7 ON/OFF whenever one
 * of them changes. Changes are found by polling the port at `interval`, or, with `int_pin`, by
 * reading it on each falling edge of the chip's open-drain INT output, which goes low when an input
 * changes and is released by the next read of the port (TI PCF8574 datasheet, "Interrupt Output").
 */
import { z } from 'zod';
import { defineInput, type Reading } from '../core/driver.js';
import type { GpioLine, I2cBus } from '../hardware/types.js';
import { i2cDevice, pin, polled } from '../schemes/pieces.js';
import { portLooks } from './port-looks.js';
import { Pcf8574Port } from '../drivers-out/pcf8574-port.js';
import { attachPcf8574In } from '../hardware/sim/chips/pcf8574-in.js';

const ALL_PINS = [0, 1, 2, 3, 4, 5, 6, 7];
// INT is released by the read, and re-asserted by a change that came after it: if the line is still
// low after a read, read again rather than wait for an edge that will not come.
const MAX_READS_PER_EDGE = 4;

/** `driver: pcf8574-in`: publishes p0…p7 as ON/OFF for the listed pins, on change. */
export const pcf8574In = defineInput({
  name: 'pcf8574-in',
  direction: 'input',
  description: 'Eight digital inputs on a PCF8574 I2C expander, published on change (polling, or the INT pin).',
  bus: 'i2c',
  shares: { chip: 'pcf8574', option: 'pins', channels: (o) => (Array.isArray(o.pins) ? o.pins : ALL_PINS).map((p) => `pin ${p}`) },
  schema: z.object({
    // PCF8574: 0x20-0x27; PCF8574A: 0x38-0x3F (A2..A0 pins).
    ...i2cDevice({ defaultAddress: 0x20, addresses: [...ALL_PINS.map((a) => 0x20 + a), ...ALL_PINS.map((a) => 0x38 + a)] }),
    pins: z
      .array(z.number().int().min(0).max(7))
      .min(1)
      .refine((p) => new Set(p).size === p.length, { message: 'a pin is listed twice' })
      .default(ALL_PINS)
      .describe('Which of P0-P7 are inputs and published (default: all eight)')
      .meta({ examples: [[0, 1, 2, 3]] }),
    invert: z.boolean().default(false).describe('Publish ON for a low pin (switches to ground, the usual wiring)').meta({ examples: [true] }),
    int_pin: pin
      .optional()
      .describe("BCM GPIO wired to the chip's INT output (needs a pull-up): read on each interrupt instead of polling"),
    ...polled('100ms'),
  }),
  fields: ALL_PINS.map((p) => ({ name: `p${p}`, type: 'state' as const, description: `P${p} as ON/OFF (after invert); only the listed pins` })),
  example: { id: 'alarm-zones', driver: 'pcf8574-in', bus: 1, address: 0x21, pins: [0, 1, 2, 3], invert: true, interval: '100ms' },
  exampleFile: 'schemes/alarm-zones.yaml',
  sim: attachPcf8574In,
  polled: false,
  create(options, ctx) {
    let bus: I2cBus | undefined;
    let line: GpioLine | undefined;
    let unwatch: (() => void) | undefined;
    let last: number | undefined;
    const addr = options.address;
    const mask = options.pins.reduce((m, p) => m | (1 << p), 0);
    const toReading = (port: number): Reading =>
      Object.fromEntries(options.pins.map((p) => [`p${p}`, (((port >> p) & 1) === 1) !== options.invert ? 'ON' : 'OFF']));
    const readPort = async (b: I2cBus) => (await b.read(addr, 1))[0]! & mask;

    // One look at the port; emits when a listed pin differs from the last state published.
    const look = async () => {
      const b = bus;
      if (!b) return;
      for (let reads = 0; reads < MAX_READS_PER_EDGE; reads++) {
        const port = await readPort(b);
        if (bus !== b) return;
        if (port !== last) {
          last = port;
          ctx.emit(toReading(port));
        }
        if (!line || (await line.read()) === 1) return;
      }
    };
    const looks = portLooks(look, { alive: () => bus !== undefined, fail: (err) => ctx.fail(err) });

    const stop = async () => {
      unwatch?.();
      unwatch = undefined;
      bus = undefined;
      last = undefined;
      const l = line;
      line = undefined;
      await looks.cancel();
      await l?.close();
    };

    return {
      async start() {
        const b = await ctx.hardware.i2c(options.bus);
        // Quasi-bidirectional pins: only a pin latched high (weak pull-up) can be read as an input.
        // Through the shared port so that pcf8574-out pins on the same chip keep their levels.
        const port = Pcf8574Port.of(b, addr);
        for (const p of options.pins) await port.set(p, 1);
        try {
          // Watch INT before the first read: a change right after that read still gives an edge.
          if (options.int_pin !== undefined) {
            line = await ctx.hardware.gpio.open(options.int_pin, { direction: 'in', edge: 'falling' });
            unwatch = line.watch(looks.check);
          }
          last = await readPort(b);
        } catch (err) {
          await stop();
          throw err;
        }
        bus = b;
        ctx.emit(toReading(last));
        // Edges before this point found no bus and were dropped; one look now covers them.
        if (line) looks.check();
        else looks.poll(options.interval);
      },
      async read() {
        const b = bus;
        if (!b) throw new Error('pcf8574-in not started');
        last = await readPort(b);
        return toReading(last);
      },
      stop,
    };
  },
});
