/**
 * A digital input (button, reed switch, PIR, relay contact): event driven. Every edge restarts a
 * debounce timer; only a level that has held for `debounce` is read and, if the state changed,
 * published. Contacts bounce for a few milliseconds, and a bounce never reaches MQTT this way.
 */
import { z } from 'zod';
import { defineInput } from '../core/driver.js';
import type { Level } from '../hardware/types.js';
import { DebouncedInput } from './debounced-input.js';
import { duration, pin, pull } from '../schemes/pieces.js';
import { attachGpioInput } from '../hardware/sim/models.js';

export const gpioIn = defineInput({
  name: 'gpio-in',
  direction: 'input',
  description: 'Digital input on a GPIO pin, published as ON/OFF on every debounced change.',
  bus: 'gpio',
  schema: z.object({
    pin,
    pull: pull('none'),
    invert: z.boolean().default(false).describe('Publish ON for a low level (active-low inputs such as a button to ground)').meta({ examples: [true] }),
    debounce: duration('How long a new level must hold before it counts (ms, s, m or h)').prefault('20ms').meta({ examples: ['20ms'] }),
  }),
  fields: [{ name: 'state', type: 'state', description: 'ON or OFF (after invert)' }],
  example: { id: 'door', driver: 'gpio-in', pin: 17, pull: 'up', invert: true, debounce: '50ms' },
  exampleFile: 'schemes/hall-motion.yaml',
  sim: attachGpioInput,
  polled: false,
  create(options, ctx) {
    let last: 'ON' | 'OFF' | undefined;
    const toState = (level: Level): 'ON' | 'OFF' => ((level === 1) !== options.invert ? 'ON' : 'OFF');
    const input = new DebouncedInput(ctx.hardware.gpio, {
      driver: 'gpio-in',
      pin: options.pin,
      debounce: options.debounce,
      pull: options.pull,
      settled(level) {
        const state = toState(level);
        if (state === last) return;
        last = state;
        ctx.emit({ state });
      },
      fail: (err) => ctx.fail(err),
    });

    return {
      async start() {
        last = toState(await input.open());
        ctx.emit({ state: last });
      },
      async read() {
        last = toState(await input.read());
        return { state: last };
      },
      async stop() {
        last = undefined;
        await input.close();
      },
    };
  },
});
