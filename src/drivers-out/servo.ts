/**
 * A hobby servo on a hardware PWM channel. The position is set by the width of a pulse repeated
 * every 20 ms (50 Hz): 1.5 ms is the middle, and the TowerPro SG90 datasheet gives about 1 ms and
 * 2 ms for the two ends of its nominal range. Many servos turn further, to about 0.5 and 2.5 ms,
 * but driving one past its end stop stalls it, so the defaults are the safe 1000–2000 µs: widen
 * `min_pulse`/`max_pulse` step by step to get a full 180°.
 */
import { z } from 'zod';
import { defineOutput } from '../core/driver.js';
import type { PwmChannel } from '../hardware/types.js';
import { pwmChannelOptions } from './pwm.js';
import { attachPwmOutput } from '../hardware/sim/models.js';

const angle = z.number().min(0).max(180);
const pulse = z.number().int().min(100).max(5000);

/** The servo geometry: which pulse widths (µs) the two ends of the angle range get. */
export interface ServoRange {
  min_pulse: number;
  max_pulse: number;
  min_angle: number;
  max_angle: number;
}

/**
 * The pulse width in µs for `deg`, linear between the ends; angles outside the range are held at
 * its nearest end, so a servo is never driven past the stops it was configured for.
 */
export function pulseWidthUs(deg: number, r: ServoRange): number {
  const a = Math.min(r.max_angle, Math.max(r.min_angle, deg));
  return r.min_pulse + ((a - r.min_angle) * (r.max_pulse - r.min_pulse)) / (r.max_angle - r.min_angle);
}

export const servo = defineOutput({
  name: 'servo',
  direction: 'output',
  description: 'Hobby servo on a hardware PWM channel, positioned by angle (0–180°).',
  bus: 'gpio',
  schema: z.object({
    ...pwmChannelOptions,
    frequency: z.number().min(40).max(400).default(50).describe('Pulse rate in Hz; 50 for analogue servos, digital ones take more').meta({ examples: [50] }),
    min_pulse: pulse.default(1000).describe('Pulse width in µs at min_angle (SG90 and most servos: 500–1000)').meta({ examples: [500] }),
    max_pulse: pulse.default(2000).describe('Pulse width in µs at max_angle (SG90 and most servos: 2000–2500)').meta({ examples: [2500] }),
    min_angle: angle.default(0).describe('Angle in ° that min_pulse gives').meta({ examples: [0] }),
    max_angle: angle.default(180).describe('Angle in ° that max_pulse gives; commands are held within min_angle..max_angle').meta({ examples: [180] }),
    initial: angle.optional().describe('Angle to go to at start when there is nothing to restore; without it the servo stays limp until the first command').meta({ examples: [90] }),
  }),
  command: z
    .strictObject({
      angle: angle.optional().describe('Angle in °'),
      value: angle.optional().describe('A bare number payload: angle in °'),
    })
    .refine((c) => c.angle !== undefined || c.value !== undefined, { message: 'expected an angle: a number 0–180 or {"angle": 0–180}' }),
  fields: [{ name: 'angle', type: 'number', unit: '°', description: 'The angle last set (null until the first one)' }],
  example: { id: 'vent-flap', driver: 'servo', chip: 0, channel: 1, min_pulse: 500, max_pulse: 2500, initial: 90, restore: true },
  exampleFile: 'schemes/vent-flap.yaml',
  sim: attachPwmOutput,
  create(options, ctx) {
    const periodNs = Math.round(1e9 / options.frequency);
    let channel: PwmChannel | undefined;
    let current: number | null = null;

    const move = async (deg: number) => {
      const held = Math.min(options.max_angle, Math.max(options.min_angle, deg));
      await channel!.configure(periodNs, Math.round(pulseWidthUs(held, options) * 1000));
      await channel!.enable(true);
      current = held;
    };

    return {
      async start(restored) {
        // Cross-option checks the per-option schema cannot make; the scheme stays failed until fixed.
        if (options.min_pulse >= options.max_pulse) throw new Error(`servo: min_pulse (${options.min_pulse}) must be below max_pulse (${options.max_pulse})`);
        if (options.min_angle >= options.max_angle) throw new Error(`servo: min_angle (${options.min_angle}) must be below max_angle (${options.max_angle})`);
        const saved = restored?.angle;
        const first = typeof saved === 'number' ? saved : options.initial;
        channel = await ctx.hardware.pwm(options.chip, options.channel);
        try {
          if (first !== undefined) await move(first);
        } catch (err) {
          await channel.close().catch(() => {});
          channel = undefined;
          throw err;
        }
        return { angle: current };
      },
      async apply(command) {
        if (!channel) throw new Error('servo not started');
        await move((command.angle ?? command.value) as number);
        return { angle: current };
      },
      async stop() {
        const c = channel;
        channel = undefined;
        await c?.close();
      },
    };
  },
});
