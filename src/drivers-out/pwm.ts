/**
 * A dimmable output (LED strip through a MOSFET, fan, buzzer) on a hardware PWM channel
 * (`/sys/class/pwm/pwmchipN/pwmM`). Brightness 0–100 % sets the duty cycle; ON comes back at the
 * last non-zero brightness, which is kept across restarts.
 */
import { z } from 'zod';
import { defineOutput, type Reading } from '../core/driver.js';
import type { PwmChannel } from '../hardware/types.js';
import { duration } from '../schemes/pieces.js';
import { attachPwmOutput } from '../hardware/sim/models.js';

const percent = z.number().min(0).max(100);

/** `chip` and `channel` of a sysfs PWM channel, shared with the servo driver. */
export const pwmChannelOptions = {
  chip: z.number().int().min(0).default(0).describe('PWM chip, N in /sys/class/pwm/pwmchipN').meta({ examples: [0] }),
  channel: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe('Channel of the chip; with dtoverlay=pwm-2chan on a Pi 4, 0 is GPIO18 and 1 is GPIO19')
    .meta({ examples: [0] }),
};

export const pwm = defineOutput({
  name: 'pwm',
  direction: 'output',
  description: 'Hardware PWM output (LED dimming, fan speed): brightness 0–100 % or ON/OFF/TOGGLE.',
  bus: 'gpio',
  schema: z.object({
    ...pwmChannelOptions,
    frequency: z.number().min(1).max(1_000_000).default(1000).describe('PWM frequency in Hz').meta({ examples: [1000] }),
    initial: percent.default(0).describe('Brightness in % at start when there is nothing to restore').meta({ examples: [0] }),
    invert: z.boolean().default(false).describe('Drive the inverse duty cycle (active-low LED drivers)').meta({ examples: [false] }),
    gamma: z
      .number()
      .min(1)
      .max(4)
      .default(1)
      .describe('Duty = (brightness/100)^gamma; about 2.2 makes LED steps look even to the eye, 1 is linear')
      .meta({ examples: [2.2] }),
  }),
  command: z
    .strictObject({
      state: z.enum(['ON', 'OFF', 'TOGGLE']).optional().describe('ON returns to the last non-zero brightness (or 100 %)'),
      brightness: percent.optional().describe('Brightness in %'),
      value: percent.optional().describe('A bare number payload: brightness in %'),
      for: duration('Switch back (ON↔OFF) after this long').optional(),
    })
    .refine((c) => c.state !== undefined || c.brightness !== undefined || c.value !== undefined, {
      message: 'expected ON, OFF, TOGGLE, a number 0–100 or {"brightness": 0–100}',
    }),
  fields: [
    { name: 'state', type: 'state', description: 'ON while the brightness is above 0' },
    { name: 'brightness', type: 'number', unit: '%', description: 'Brightness 0–100 % (before gamma and invert)' },
  ],
  example: { id: 'desk-lamp', driver: 'pwm', chip: 0, channel: 0, frequency: 1000, gamma: 2.2, restore: true },
  exampleFile: 'schemes/desk-lamp.yaml',
  sim: attachPwmOutput,
  create(options, ctx) {
    const periodNs = Math.round(1e9 / options.frequency);
    let channel: PwmChannel | undefined;
    let brightness = options.initial;
    let lastOn = ctx.persist.get('last_on') ?? (options.initial || 100);

    const dutyNs = (pct: number) => {
      const share = (pct / 100) ** options.gamma;
      return Math.round(periodNs * (options.invert ? 1 - share : share));
    };
    const state = (): Reading => ({ state: brightness > 0 ? 'ON' : 'OFF', brightness });

    const drive = async (pct: number) => {
      await channel!.configure(periodNs, dutyNs(pct));
      brightness = pct;
      if (pct > 0 && pct !== lastOn) {
        lastOn = pct;
        ctx.persist.set('last_on', pct);
      }
    };

    return {
      async start(restored) {
        const saved = restored?.brightness;
        const first = typeof saved === 'number' && saved >= 0 && saved <= 100 ? saved : restored?.state === 'OFF' ? 0 : options.initial;
        channel = await ctx.hardware.pwm(options.chip, options.channel);
        try {
          await drive(first);
          // Enabled even at 0 %: a disabled channel idles at a level of its own, which is full on
          // for an inverted (active-low) output.
          await channel.enable(true);
        } catch (err) {
          await channel.close().catch(() => {});
          channel = undefined;
          throw err;
        }
        return state();
      },
      async apply(command) {
        if (!channel) throw new Error('pwm not started');
        const level = (command.brightness ?? command.value) as number | undefined;
        const wanted = command.state === 'TOGGLE' ? (brightness > 0 ? 'OFF' : 'ON') : (command.state as 'ON' | 'OFF' | undefined);
        if (wanted === 'OFF') await drive(0);
        else if (level !== undefined) await drive(level);
        else await drive(lastOn);
        return state();
      },
      async stop() {
        const c = channel;
        channel = undefined;
        await c?.close();
      },
    };
  },
});
