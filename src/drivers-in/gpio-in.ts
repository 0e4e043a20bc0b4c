/**
 * A digital input (button, reed switch, PIR, relay contact): event driven. Every edge restarts a
 * debounce timer; only a level that has held for `debounce` is read and, if the state changed,
 * published. Contacts bounce for a few milliseconds, and a bounce never reaches MQTT this way.
 */
import { z } from 'zod';
import { defineInput } from '../core/driver.js';
import type { GpioLine, Level } from '../hardware/types.js';
import { duration, pin } from '../schemes/pieces.js';

export const gpioIn = defineInput({
  name: 'gpio-in',
  direction: 'input',
  description: 'Digital input on a GPIO pin, published as ON/OFF on every debounced change.',
  bus: 'gpio',
  schema: z.object({
    pin,
    pull: z
      .enum(['none', 'up', 'down'])
      .default('none')
      .describe('The pull resistor to switch on. up or down sets the line\'s bias through the GPIO character device (libgpiod\'s tools, package gpiod); none leaves the line as it is and uses the sysfs interface')
      .meta({ examples: ['up'] }),
    invert: z.boolean().default(false).describe('Publish ON for a low level (active-low inputs such as a button to ground)').meta({ examples: [true] }),
    debounce: duration('How long a new level must hold before it counts (ms, s, m or h)').prefault('20ms').meta({ examples: ['20ms'] }),
  }),
  fields: [{ name: 'state', type: 'state', description: 'ON or OFF (after invert)' }],
  example: { id: 'door', driver: 'gpio-in', pin: 17, pull: 'up', invert: true, debounce: '50ms' },
  polled: false,
  create(options, ctx) {
    let line: GpioLine | undefined;
    let unwatch: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    let last: 'ON' | 'OFF' | undefined;
    const toState = (level: Level): 'ON' | 'OFF' => ((level === 1) !== options.invert ? 'ON' : 'OFF');

    const settle = async () => {
      timer = undefined;
      const current = line;
      if (!current) return;
      try {
        // Read again instead of trusting the edge: the level that held is the one that counts.
        const state = toState(await current.read());
        if (line === current && state !== last) {
          last = state;
          ctx.emit({ state });
        }
      } catch (err) {
        if (line === current) ctx.fail(err as Error);
      }
    };

    const stop = async () => {
      clearTimeout(timer);
      timer = undefined;
      unwatch?.();
      unwatch = undefined;
      const l = line;
      line = undefined;
      last = undefined;
      await l?.close();
    };

    return {
      async start() {
        line = await ctx.hardware.gpio.open(options.pin, { direction: 'in', edge: 'both', pull: options.pull });
        unwatch = line.watch(() => {
          clearTimeout(timer);
          timer = setTimeout(settle, options.debounce);
        });
        try {
          last = toState(await line.read());
        } catch (err) {
          await stop();
          throw err;
        }
        ctx.emit({ state: last });
      },
      async read() {
        if (!line) throw new Error('gpio-in not started');
        last = toState(await line.read());
        return { state: last };
      },
      stop,
    };
  },
});
