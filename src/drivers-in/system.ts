/** Health of the Pi itself: CPU temperature, load, memory, disk and uptime. */
import { z } from 'zod';
import { defineInput } from '../core/driver.js';
import { polled } from '../schemes/pieces.js';
import { attachSystem } from '../hardware/sim/models.js';

export const system = defineInput({
  name: 'system',
  direction: 'input',
  description: 'CPU temperature, load, memory and disk use, and uptime of the node.',
  bus: 'system',
  schema: z.object({ ...polled('60s') }),
  fields: [
    { name: 'cpu_temp', type: 'number', unit: '°C', description: 'SoC temperature; null where the board has no sensor', deviceClass: 'temperature' },
    { name: 'load1', type: 'number', description: 'One-minute load average' },
    { name: 'mem_used_pct', type: 'number', unit: '%', description: 'Memory in use (total minus available)' },
    { name: 'disk_used_pct', type: 'number', unit: '%', description: 'Root filesystem in use' },
    { name: 'uptime', type: 'integer', unit: 's', description: 'Seconds since boot', deviceClass: 'duration' },
  ],
  example: { id: 'pi-health', driver: 'system', interval: '60s' },
  exampleFile: 'schemes/pi-health.yaml',
  sim: attachSystem,
  polled: true,
  create(_options, ctx) {
    return {
      async start() {},
      async read() {
        const f = await ctx.hardware.system.facts();
        return {
          cpu_temp: f.cpu_temp === null ? null : round(f.cpu_temp, 1),
          load1: round(f.load1, 2),
          mem_used_pct: round(f.mem_used_pct, 1),
          disk_used_pct: round(f.disk_used_pct, 1),
          uptime: Math.floor(f.uptime),
        };
      },
      async stop() {},
    };
  },
});

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
