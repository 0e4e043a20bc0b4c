// An example hanode plugin: a virtual input that computes the dew point from another scheme's
// temperature and humidity. Load it with `plugins: [./examples/plugins/dew-point.js]` in hanode.yaml.
//
// A plugin module exports driver definitions of the same shape as hanode's own drivers, built from
// the same pieces ('hanode/plugin'), so `interval` is parsed to milliseconds like everywhere else.
import { z, polled, defineInput } from 'hanode/plugin';

/** Magnus formula constants over water (Alduchov & Eskridge, 1996). */
const A = 17.625;
const B = 243.04;

export function dewPoint(temperature, humidity) {
  const gamma = Math.log(humidity / 100) + (A * temperature) / (B + temperature);
  return (B * gamma) / (A - gamma);
}

export const dewPointDriver = defineInput({
  name: 'dew-point',
  direction: 'input',
  description: 'Dew point computed from the temperature and humidity of another scheme on this node.',
  bus: 'system',
  polled: true,
  schema: z.object({
    source: z.string().regex(/^[a-z0-9][a-z0-9-]*$/).describe('Scheme id whose state has temperature and humidity').meta({ examples: ['kitchen-climate'] }),
    ...polled('30s'),
  }),
  fields: [{ name: 'dew_point', type: 'number', unit: '°C', description: 'Dew point', deviceClass: 'temperature' }],
  example: { id: 'kitchen-dew-point', driver: 'dew-point', source: 'kitchen-climate', interval: '30s' },
  create(options, ctx) {
    return {
      async start() {},
      async read() {
        const state = ctx.states.get(options.source);
        if (typeof state?.temperature !== 'number' || typeof state?.humidity !== 'number') {
          throw new Error(`'${options.source}' has no temperature and humidity yet`);
        }
        return { dew_point: Math.round(dewPoint(state.temperature, state.humidity) * 100) / 100 };
      },
      async stop() {},
    };
  },
});
