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
import type { Level } from '../hardware/types.js';
import { DebouncedInput } from './debounced-input.js';
import { duration, pin, polled, pull } from '../schemes/pieces.js';
import { attachPulseInput } from '../hardware/sim/models.js';

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
    pull: pull('none', ' (a reed switch or an open-collector S0 output to ground needs up)'),
    debounce: duration('How long a new level must hold before it counts; keep it below half the shortest pulse').prefault('10ms').meta({ examples: ['10ms'] }),
    multiplier: z.number().positive().default(1).describe('What one pulse is worth in the unit of total (e.g. 0.5 L, or 0.001 kWh at 1000 imp/kWh)').meta({ examples: [0.5] }),
    offset: z.number().default(0).describe('Added to total, e.g. the meter reading when counting began').meta({ examples: [1234.5] }),
    unit: z
      .string()
      .min(1)
      .max(16)
      .optional()
      .describe("The unit of total (L, m³, kWh …); Home Assistant then shows total as a water or energy meter and rate_per_min per minute")
      .meta({ examples: ['L'] }),
  }),
  fields: [
    { name: 'count', type: 'integer', description: 'Pulses since the previous reading' },
    { name: 'rate_per_min', type: 'number', description: 'count × multiplier per minute over that time (L/min, kWh/min …; pulses/min with multiplier 1)' },
    { name: 'total', type: 'number', description: 'offset + every pulse counted × multiplier; survives restarts' },
  ],
  example: { id: 'water-meter', driver: 'pulse-counter', pin: 22, pull: 'up', edge: 'falling', debounce: '20ms', multiplier: 0.5, unit: 'L', interval: '60s' },
  exampleFile: 'schemes/water-meter.yaml',
  sim: attachPulseInput,
  polled: true,
  create(options, ctx) {
    let started = false;
    let level: Level | undefined;
    let pulses = ctx.persist.get('pulses') ?? 0;
    let stored = pulses;
    let counted = pulses; // pulses at the previous reading
    let readAt = 0;

    // Only called for a real change of the settled level, so the new level says which edge it was.
    const counts = (to: Level) => options.edge === 'both' || (options.edge === 'rising') === (to === 1);

    const input = new DebouncedInput(ctx.hardware.gpio, {
      driver: 'pulse-counter',
      pin: options.pin,
      debounce: options.debounce,
      pull: options.pull,
      settled(now) {
        if (now === level) return;
        if (level !== undefined && counts(now)) pulses++;
        level = now;
      },
      fail: (err) => ctx.fail(err),
    });

    /** Writes the count that a reading is about to show; the reading waits for it. */
    const save = async (upTo: number) => {
      if (upTo <= stored) return;
      await ctx.persist.set('pulses', upTo);
      stored = Math.max(stored, upTo);
    };

    return {
      async start() {
        level = await input.open();
        started = true;
        readAt = Date.now();
      },
      async read() {
        if (!started) throw new Error('pulse-counter not started');
        const now = Date.now();
        const total = pulses;
        const count = total - counted;
        const elapsed = now - readAt;
        counted = total;
        readAt = now;
        // The total a reading shows is on disk before the reading goes out, so after a power cut
        // the meter resumes from at least that: a total never goes backwards (Home Assistant
        // would take a drop for a meter reset). One write per reading, none per pulse.
        await save(total);
        return {
          count,
          rate_per_min: elapsed > 0 ? tidy((count * options.multiplier * 60_000) / elapsed) : 0,
          total: tidy(options.offset + total * options.multiplier),
        };
      },
      async stop() {
        started = false;
        // Pulses since the last reading would be lost otherwise.
        await save(pulses).catch((err) => ctx.log.warn(`pulse-counter: could not keep the count: ${(err as Error).message}`));
        await input.close();
      },
    };
  },
});
