/**
 * A pulse counter for utility meters: the reed switch of a water meter, the S0 output of an
 * energy meter (DIN 43864: pulses of at least 30 ms), a gas meter's magnet sensor. Every edge
 * restarts a debounce timer and only a level that held counts, so contact bounce never adds
 * pulses. Each reading publishes
 * - `count`: the pulses since the previous reading (one interval, or less for a `read` request),
 * - `rate_per_min`: that count × `multiplier` over the time it took, per minute (L/min for a
 *   water meter counting litres; pulses per minute with the default multiplier 1),
 * - `total`: `offset` + all pulses ever counted × `multiplier`, kept across restarts.
 */
import { z } from 'zod';
import { defineInput } from '../core/driver.js';
import type { GpioLine, Level } from '../hardware/types.js';
import { duration, pin, polled } from '../schemes/pieces.js';

/** Rounds away binary noise such as 3 × 0.1 = 0.30000000000000004 without losing real digits. */
const tidy = (n: number) => Number(n.toPrecision(12));

export const pulseCounter = defineInput({
  name: 'pulse-counter',
  direction: 'input',
  description: 'Counts pulses on a GPIO pin (water, gas and energy meters): count per interval, rate per minute and a total kept across restarts.',
  bus: 'gpio',
  schema: z.object({
    pin,
    ...polled('60s'),
    edge: z.enum(['rising', 'falling', 'both']).default('rising').describe('Which debounced edges count as pulses').meta({ examples: ['falling'] }),
    pull: z
      .enum(['none', 'up', 'down'])
      .default('none')
      .describe('The pull resistor the circuit needs (a reed switch or an open-collector S0 output to ground needs up). up or down sets the line\'s bias through the GPIO character device (libgpiod\'s tools, package gpiod); none leaves the line as it is and uses the sysfs interface')
      .meta({ examples: ['up'] }),
    debounce: duration('How long a new level must hold before it counts; keep it below half the shortest pulse').prefault('10ms').meta({ examples: ['10ms'] }),
    multiplier: z.number().positive().default(1).describe('What one pulse is worth in the unit of total (e.g. 0.5 L, or 0.001 kWh at 1000 imp/kWh)').meta({ examples: [0.5] }),
    offset: z.number().default(0).describe('Added to total, e.g. the meter reading when counting began').meta({ examples: [1234.5] }),
  }),
  fields: [
    { name: 'count', type: 'integer', description: 'Pulses since the previous reading' },
    { name: 'rate_per_min', type: 'number', description: 'count × multiplier per minute over that time (L/min, kWh/min …; pulses/min with multiplier 1)' },
    { name: 'total', type: 'number', description: 'offset + every pulse counted × multiplier; survives restarts' },
  ],
  example: { id: 'water-meter', driver: 'pulse-counter', pin: 22, pull: 'up', edge: 'falling', debounce: '20ms', multiplier: 0.5, interval: '60s' },
  polled: true,
  create(options, ctx) {
    let line: GpioLine | undefined;
    let unwatch: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    let level: Level | undefined;
    let pulses = ctx.persist.get('pulses') ?? 0;
    let stored = pulses;
    let storedAt = 0;
    let counted = pulses; // pulses at the previous reading
    let readAt = 0;

    // Only called for a real change of the settled level, so the new level says which edge it was.
    const counts = (to: Level) => options.edge === 'both' || (options.edge === 'rising') === (to === 1);

    const settle = async () => {
      timer = undefined;
      const current = line;
      if (!current) return;
      try {
        const now = await current.read();
        if (line !== current || now === level) return;
        if (level !== undefined && counts(now)) pulses++;
        level = now;
      } catch (err) {
        if (line === current) ctx.fail(err as Error);
      }
    };

    const save = () => {
      if (pulses === stored) return;
      ctx.persist.set('pulses', pulses);
      stored = pulses;
      storedAt = Date.now();
    };

    return {
      async start() {
        line = await ctx.hardware.gpio.open(options.pin, { direction: 'in', edge: 'both', pull: options.pull });
        unwatch = line.watch(() => {
          clearTimeout(timer);
          timer = setTimeout(settle, options.debounce);
        });
        level = await line.read().catch(async (err) => {
          unwatch?.();
          await line?.close();
          line = undefined;
          throw err;
        });
        readAt = Date.now();
        storedAt = readAt;
      },
      async read() {
        if (!line) throw new Error('pulse-counter not started');
        const now = Date.now();
        const count = pulses - counted;
        const elapsed = now - readAt;
        counted = pulses;
        readAt = now;
        // The state file is written at most once per interval, not on every pulse or request.
        if (now - storedAt >= options.interval) save();
        return {
          count,
          rate_per_min: elapsed > 0 ? tidy((count * options.multiplier * 60_000) / elapsed) : 0,
          total: tidy(options.offset + pulses * options.multiplier),
        };
      },
      async stop() {
        clearTimeout(timer);
        timer = undefined;
        unwatch?.();
        unwatch = undefined;
        const l = line;
        line = undefined;
        // Pulses since the last write would be lost otherwise.
        save();
        await l?.close();
      },
    };
  },
});
