/**
 * A digital output (relay, LED, MOSFET) on a GPIO pin. The mediator turns payloads into
 * `{state}` and runs the `for` timer; this driver only drives the line.
 */
import { z } from 'zod';
import { defineOutput } from '../core/driver.js';
import type { GpioLine, Level } from '../hardware/types.js';
import { duration, levelName, pin } from '../schemes/pieces.js';
import { attachGpioOutput } from '../hardware/sim/models.js';

type OnOff = 'ON' | 'OFF';

export const gpioOut = defineOutput({
  name: 'gpio-out',
  direction: 'output',
  description: 'Digital output on a GPIO pin, switched ON/OFF/TOGGLE over MQTT.',
  bus: 'gpio',
  schema: z.object({
    pin,
    initial: levelName.default('OFF').describe('State to drive at start when there is nothing to restore').meta({ examples: ['OFF'] }),
    invert: z.boolean().default(false).describe('Drive the line low for ON (active-low relay boards)').meta({ examples: [true] }),
  }),
  command: z.strictObject({
    state: z.enum(['ON', 'OFF', 'TOGGLE']).describe('New state; TOGGLE flips the current one'),
    for: duration('Switch back to the previous state after this long').optional(),
  }),
  fields: [{ name: 'state', type: 'state', description: 'ON or OFF (before invert)' }],
  example: { id: 'kitchen-fan', driver: 'gpio-out', pin: 27, initial: 'OFF', restore: true },
  exampleFile: 'schemes/kitchen-fan.yaml',
  sim: attachGpioOutput,
  create(options, ctx) {
    let line: GpioLine | undefined;
    let state: OnOff = options.initial;
    const level = (s: OnOff): Level => ((s === 'ON') !== options.invert ? 1 : 0);

    const stop = async () => {
      const l = line;
      line = undefined;
      await l?.close();
    };

    return {
      async start(restored) {
        const saved = restored?.state;
        state = saved === 'ON' || saved === 'OFF' ? saved : options.initial;
        // The initial level goes in with the direction, so the line never glitches through the wrong one.
        line = await ctx.hardware.gpio.open(options.pin, { direction: 'out', initial: level(state) });
        try {
          await line.write(level(state));
        } catch (err) {
          await stop();
          throw err;
        }
        return { state };
      },
      async apply(command) {
        if (!line) throw new Error('gpio-out not started');
        const wanted = command.state as OnOff | 'TOGGLE';
        const next: OnOff = wanted === 'TOGGLE' ? (state === 'ON' ? 'OFF' : 'ON') : wanted;
        await line.write(level(next));
        state = next;
        return { state };
      },
      stop,
    };
  },
});
