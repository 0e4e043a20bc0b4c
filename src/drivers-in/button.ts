/**
 * A push button on a GPIO pin: publishes its level as `state` (retained, like gpio-in) and the
 * gestures `press`, `long_press` and `double_press` as events on `B/N/S/event` (not retained:
 * a gesture happened once, a late subscriber must not see it again).
 *
 * Gestures are read from the debounced level:
 * - held for `long_press` → `long_press`, at that moment, while still held; its release adds nothing;
 * - pressed again within `double_press` of a release → `double_press`, at the second press;
 * - otherwise a release → `press`, once the `double_press` window has passed without a second
 *   press (at once when double-press detection is off, `double_press: 0`).
 */
import { z } from 'zod';
import { defineInput } from '../core/driver.js';
import type { Level } from '../hardware/types.js';
import { DebouncedInput } from './debounced-input.js';
import { duration, pin, pull } from '../schemes/pieces.js';
import { attachGpioInput } from '../hardware/sim/models.js';

export const button = defineInput({
  name: 'button',
  direction: 'input',
  description: 'Push button on a GPIO pin: ON/OFF state plus press, long_press and double_press events on B/N/S/event.',
  bus: 'gpio',
  schema: z.object({
    pin,
    pull: pull('up', ' (a button to ground needs up)'),
    invert: z.boolean().default(true).describe('Pressed is a low level (the usual button to ground with a pull-up); false for a button to 3V3').meta({ examples: [true] }),
    debounce: duration('How long a new level must hold before it counts').prefault('20ms').meta({ examples: ['20ms'] }),
    long_press: duration('Held this long is a long_press; 0 turns long presses off').prefault('1s').meta({ examples: ['1s'] }),
    double_press: duration('A second press this soon after a release is a double_press; 0 turns it off and makes press immediate')
      .prefault('400ms')
      .meta({ examples: ['400ms'] }),
  }),
  fields: [{ name: 'state', type: 'state', description: 'ON while pressed (after invert)' }],
  example: { id: 'hall-button', driver: 'button', pin: 17, pull: 'up', invert: true, long_press: '1s', double_press: '400ms' },
  exampleFile: 'schemes/doorbell.yaml',
  sim: attachGpioInput,
  polled: false,
  create(options, ctx) {
    let holdTimer: NodeJS.Timeout | undefined;
    let windowTimer: NodeJS.Timeout | undefined;
    let pressed: boolean | undefined;
    let handled = false; // this press already produced its gesture (long or double)
    let waiting = false; // a release is waiting to see whether a second press follows
    const isPressed = (level: Level) => (level === 1) !== options.invert;

    const down = () => {
      if (waiting) {
        clearTimeout(windowTimer);
        waiting = false;
        handled = true;
        ctx.event('double_press');
        return;
      }
      handled = false;
      if (options.long_press > 0) {
        holdTimer = setTimeout(() => {
          handled = true;
          ctx.event('long_press');
        }, options.long_press);
      }
    };

    const up = () => {
      clearTimeout(holdTimer);
      if (handled) return;
      if (options.double_press === 0) return ctx.event('press');
      waiting = true;
      windowTimer = setTimeout(() => {
        waiting = false;
        ctx.event('press');
      }, options.double_press);
    };

    const input = new DebouncedInput(ctx.hardware.gpio, {
      driver: 'button',
      pin: options.pin,
      debounce: options.debounce,
      pull: options.pull,
      settled(level) {
        const now = isPressed(level);
        if (now === pressed) return;
        pressed = now;
        ctx.emit({ state: now ? 'ON' : 'OFF' });
        if (now) down();
        else up();
      },
      fail: (err) => ctx.fail(err),
    });

    return {
      async start() {
        pressed = isPressed(await input.open());
        // Held already at start: we did not see it begin, so its release is no gesture.
        handled = pressed;
        ctx.emit({ state: pressed ? 'ON' : 'OFF' });
      },
      async read() {
        return { state: isPressed(await input.read()) ? 'ON' : 'OFF' };
      },
      async stop() {
        for (const t of [holdTimer, windowTimer]) clearTimeout(t);
        pressed = undefined;
        waiting = false;
        await input.close();
      },
    };
  },
});
