/**
 * Plantower PMS5003 particulate sensor on a serial port (9600 baud, 8N1) in its power-on active
 * mode, where it sends a frame every 0.2-2.3 s by itself. The driver keeps the port open, cuts
 * frames out of the stream (resynchronising after noise or a bad check code, datasheets/pms5003.ts)
 * and each poll publishes the newest good frame. A poll that finds no good frame newer than
 * `stale` fails, naming how many bad ones came instead.
 */
import { z } from 'zod';
import { defineInput } from '../core/driver.js';
import type { SerialConnection } from '../hardware/types.js';
import { duration, polled, serialPort } from '../schemes/pieces.js';
import { Pms5003Parser, type Pms5003Reading } from '../hardware/datasheets/pms5003.js';
import { attachPms5003 } from '../hardware/sim/chips/pms5003.js';

/** The sensor's UART runs at 9600 baud (datasheet, "Digital interface"). */
const BAUD = 9600;

const PUBLISHED = ['pm1_0', 'pm2_5', 'pm10', 'particles_0_3', 'particles_0_5', 'particles_1_0', 'particles_2_5', 'particles_5_0', 'particles_10'] as const;

/** `driver: pms5003`: publishes PM1.0, PM2.5 and PM10 (µg/m³, atmospheric) and particle counts per 0.1 L. */
export const pms5003 = defineInput({
  name: 'pms5003',
  direction: 'input',
  description: 'Plantower PMS5003 (and PMS7003) particulate matter sensor on a serial port: PM1.0/PM2.5/PM10 and particle counts, checksummed.',
  bus: 'serial',
  schema: z.object({
    ...serialPort(),
    stale: duration('A poll fails when the newest good frame is older than this (the sensor sends one every 2.3 s at most)', { min: 3000, max: 600_000 })
      .prefault('10s')
      .meta({ examples: ['10s'] }),
    ...polled('1m'),
  }),
  fields: [
    { name: 'pm1_0', type: 'integer', unit: 'µg/m³', description: 'PM1.0 mass concentration (atmospheric)', deviceClass: 'pm1' },
    { name: 'pm2_5', type: 'integer', unit: 'µg/m³', description: 'PM2.5 mass concentration (atmospheric)', deviceClass: 'pm25' },
    { name: 'pm10', type: 'integer', unit: 'µg/m³', description: 'PM10 mass concentration (atmospheric)', deviceClass: 'pm10' },
    ...(['0_3', '0_5', '1_0', '2_5', '5_0', '10'] as const).map((d) => ({
      name: `particles_${d}`,
      type: 'integer' as const,
      unit: 'per 0.1 L',
      description: `Particles larger than ${d.replace('_', '.')} µm in 0.1 L of air`,
    })),
  ],
  example: { id: 'living-room-air', driver: 'pms5003', port: '/dev/serial0', interval: '1m' },
  exampleFile: 'schemes/living-room-air.yaml',
  sim: attachPms5003,
  polled: true,
  create(options, ctx) {
    let conn: SerialConnection | undefined;
    let stopListening: (() => void)[] = [];
    let latest: { reading: Pms5003Reading; at: number } | undefined;
    let bad: string[] = [];
    let failure: Error | undefined;
    const parser = new Pms5003Parser();
    const onFrame = (reading: Pms5003Reading) => {
      latest = { reading, at: Date.now() };
      bad = [];
    };
    const onBad = (why: string) => {
      if (bad.length < 100) bad.push(why);
      ctx.log.debug({ port: options.port, why }, 'pms5003: bad frame skipped');
    };
    return {
      async start() {
        const c = await ctx.hardware.serial.open(options.port, BAUD);
        stopListening = [c.onData((chunk) => parser.push(chunk, onFrame, onBad)), c.onError((err) => (failure = err))];
        conn = c;
        failure = undefined;
      },
      async read() {
        if (!conn) throw new Error('pms5003 not started');
        if (failure) throw failure;
        // Right after start no frame may have come yet: wait for one, up to `stale`.
        const deadline = Date.now() + options.stale;
        while (!latest && !failure && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        const age = latest ? Date.now() - latest.at : Infinity;
        if (!latest || age > options.stale) {
          const why = bad.length ? `${bad.length} bad frame(s), the last: ${bad.at(-1)}` : 'nothing that starts with 0x42 0x4D';
          throw new Error(`${options.port}: no good PMS5003 frame in the last ${options.stale / 1000} s (${why}); is the sensor's TX wired to RX and powered with 5 V?`);
        }
        return Object.fromEntries(PUBLISHED.map((name) => [name, latest!.reading[name]]));
      },
      async stop() {
        for (const off of stopListening) off();
        stopListening = [];
        const c = conn;
        conn = undefined;
        latest = undefined;
        await c?.close();
      },
    };
  },
});
