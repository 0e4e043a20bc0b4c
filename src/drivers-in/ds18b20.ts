/**
 * Maxim DS18B20 1-wire thermometer, read through the kernel's w1-therm driver. The kernel does
 * the bus work; this driver checks the result as carefully as the bus is unreliable
 * (see w1-therm.ts for what counts as a failed read).
 */
import { z } from 'zod';
import { defineInput } from '../core/driver.js';
import { polled } from '../schemes/pieces.js';
import { parseTemperatureAttribute, parseW1Slave } from './w1-therm.js';
import { attachDs18b20 } from '../hardware/sim/chips/ds18b20.js';

/** Family code 28 is the DS18B20 (datasheet "64-bit lasered ROM code"). */
const FAMILY = '28-';

export const ds18b20 = defineInput({
  name: 'ds18b20',
  direction: 'input',
  description: 'Maxim DS18B20 temperature sensor on the 1-wire bus (w1-gpio + w1-therm).',
  bus: '1-wire',
  schema: z.object({
    sensor_id: z
      .string()
      .regex(/^[0-9a-f]{2}-[0-9a-f]{12}$/, 'expected a 1-wire id such as 28-0316a2795aff (lower-case, as in /sys/bus/w1/devices)')
      .optional()
      .describe('1-wire device id as listed in /sys/bus/w1/devices; leave it out when the bus has exactly one DS18B20')
      .meta({ examples: ['28-0316a2795aff'] }),
    ...polled('30s'),
  }),
  fields: [{ name: 'temperature', type: 'number', unit: '°C', description: 'Temperature (0.0625 °C steps)', deviceClass: 'temperature' }],
  example: { id: 'tank-temp', driver: 'ds18b20', sensor_id: '28-0316a2795aff', interval: '30s' },
  exampleFile: 'schemes/water-tank.yaml',
  sim: attachDs18b20,
  polled: true,
  create(options, ctx) {
    let sensorId: string | undefined;
    return {
      async start() {
        if (options.sensor_id) {
          sensorId = options.sensor_id;
          return;
        }
        const found = (await ctx.hardware.oneWire.list()).filter((id) => id.startsWith(FAMILY));
        if (found.length !== 1) {
          throw new Error(
            found.length === 0
              ? 'no DS18B20 (28-…) on the 1-wire bus: check wiring, the 4.7 kΩ pull-up and dtoverlay=w1-gpio'
              : `${found.length} DS18B20 sensors on the 1-wire bus (${found.join(', ')}): set sensor_id to pick one`,
          );
        }
        sensorId = found[0];
        ctx.log.info({ sensor_id: sensorId }, 'ds18b20: using the only sensor on the bus');
      },
      async read() {
        if (!sensorId) throw new Error('ds18b20 not started');
        const { kind, text } = await ctx.hardware.oneWire.read(sensorId);
        const millidegrees = kind === 'w1_slave' ? parseW1Slave(text) : parseTemperatureAttribute(text);
        return { temperature: Math.round(millidegrees / 10) / 100 };
      },
      async stop() {
        sensorId = undefined;
      },
    };
  },
});
