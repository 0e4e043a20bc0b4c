/**
 * DHT22 (AM2302) temperature and humidity sensor through the kernel's dht11 IIO driver
 * (`dtoverlay=dht11,gpiopin=N` on a Pi), which reads the DHT11 and the DHT22 alike. The sensor's
 * one-wire protocol needs microsecond timing that Node cannot keep, so the kernel does it and
 * hanode reads `in_temp_input` (milli-°C) and `in_humidityrelative_input` (milli-%RH) from sysfs.
 * The kernel misses the sensor's pulses now and then (EIO, ETIMEDOUT): such a read is tried once
 * more, after the two seconds the sensor needs between measurements, and then fails.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineInput } from '../core/driver.js';
import type { Iio } from '../hardware/types.js';
import { polled } from '../schemes/pieces.js';
import { attachDht22 } from '../hardware/sim/chips/dht22.js';

/** The DHT22 datasheet's minimum time between two measurements. */
const RETRY_MS = 2000;
const TRANSIENT = new Set(['EIO', 'ETIMEDOUT']);
/** The DHT22's measuring ranges (datasheet, "Technical specification"). */
const RANGE = { in_temp_input: [-40, 80], in_humidityrelative_input: [0, 100] } as const;

/** Parses one attribute in milli-units into units, within the sensor's range; errors name the file. */
export function dht22Value(device: string, attribute: keyof typeof RANGE, text: string): number {
  const path = `/sys/bus/iio/devices/${device}/${attribute}`;
  if (!/^-?\d{1,7}$/.test(text)) throw new Error(`${path}: expected an integer in thousandths, got ${JSON.stringify(text.slice(0, 40))}`);
  const value = Number(text) / 1000;
  const [min, max] = RANGE[attribute];
  if (value < min || value > max) throw new Error(`${path}: ${value} is outside the DHT22's range ${min}..${max}`);
  return value;
}

/** The device to read: `device` when given, else the one IIO device whose `name` is `iioName`. */
export async function findIioDevice(iio: Iio, iioName: string, device?: string): Promise<string> {
  const devices = await iio.list();
  if (device !== undefined) {
    if (!devices.some((d) => d.device === device)) throw new Error(`IIO device ${device} not found under /sys/bus/iio/devices (present: ${devices.map((d) => d.device).join(', ') || 'none'})`);
    return device;
  }
  const named = devices.filter((d) => d.name === iioName);
  if (named.length === 1) return named[0]!.device;
  if (named.length === 0) throw new Error(`no IIO device named '${iioName}' under /sys/bus/iio/devices: add dtoverlay=dht11,gpiopin=N to /boot/firmware/config.txt and reboot`);
  throw new Error(`${named.length} IIO devices are named '${iioName}' (${named.map((d) => d.device).join(', ')}): set \`device:\` to the one this scheme reads`);
}

/** `driver: dht22`: publishes temperature (°C) and humidity (%RH). */
export const dht22 = defineInput({
  name: 'dht22',
  direction: 'input',
  description: "DHT22/AM2302 (or DHT11) temperature and humidity sensor, read through the kernel's dht11 IIO driver (dtoverlay=dht11).",
  bus: 'iio',
  schema: z.object({
    device: z
      .string()
      .regex(/^iio:device\d+$/, 'expected the form iio:device0')
      .optional()
      .describe('The IIO device to read (`iio:deviceN`); by default the only one whose name is `iio_name`')
      .meta({ examples: ['iio:device0'] }),
    iio_name: z.string().min(1).max(64).default('dht11').describe("The kernel driver's name in the device's `name` file").meta({ examples: ['dht11'] }),
    ...polled('30s'),
  }),
  fields: [
    { name: 'temperature', type: 'number', unit: '°C', description: 'Air temperature', deviceClass: 'temperature' },
    { name: 'humidity', type: 'number', unit: '%RH', description: 'Relative humidity', deviceClass: 'humidity' },
  ],
  example: { id: 'shed-climate', driver: 'dht22', interval: '1m' },
  exampleFile: 'schemes/shed-climate.yaml',
  sim: attachDht22,
  polled: true,
  create(options, ctx) {
    let device: string | undefined;
    const readPair = async (iio: Iio, d: string) => ({
      temperature: dht22Value(d, 'in_temp_input', await iio.read(d, 'in_temp_input')),
      humidity: dht22Value(d, 'in_humidityrelative_input', await iio.read(d, 'in_humidityrelative_input')),
    });
    return {
      async start() {
        device = await findIioDevice(ctx.hardware.iio, options.iio_name, options.device);
      },
      async read() {
        const d = device;
        if (!d) throw new Error('dht22 not started');
        try {
          return await readPair(ctx.hardware.iio, d);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (!code || !TRANSIENT.has(code)) throw err;
          ctx.log.debug({ device: d, code }, 'dht22: the kernel missed the sensor, trying once more');
          await sleep(RETRY_MS);
          return readPair(ctx.hardware.iio, d);
        }
      },
      async stop() {
        device = undefined;
      },
    };
  },
});
