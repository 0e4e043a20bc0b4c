/**
 * A DHT22 (AM2302) as the kernel's dht11 IIO driver shows it (drivers/iio/humidity/dht11.c, which
 * reads both the DHT11 and the DHT22): an IIO device named `dht11` with `in_temp_input` in
 * milli-°C and `in_humidityrelative_input` in milli-%RH, at the sensor's 0.1 resolution. A read
 * whose pulses the kernel missed fails with EIO or ETIMEDOUT, as it does now and then on a Pi.
 */
import type { SimDevice } from '../types.js';
import type { SimIioDevice } from '../iio.js';
import { checkQuantities } from '../quantities.js';
import { kernelReadError, notFoundError } from '../errors.js';
import type { SimModel } from '../board.js';

const SPEC = {
  temperature: { type: 'number', min: -40, max: 80, unit: '°C' },
  humidity: { type: 'number', min: 0, max: 100, unit: '%RH' },
  glitches: { type: 'number', min: 0, max: 100 },
  fail: { type: 'boolean' },
} as const;

/** A simulated DHT22; `$sim` keys temperature, humidity, glitches (the next N reads fail) and fail. */
export class Dht22Sensor implements SimIioDevice, SimDevice {
  readonly name = 'dht11';
  temperature = 21.5;
  humidity = 45;
  /** How many of the next reads fail, alternating EIO and ETIMEDOUT. */
  glitches = 0;
  failing = false;
  device = '';

  set(quantities: Record<string, unknown>): void {
    const q = checkQuantities('dht22', quantities, SPEC);
    if (q.fail !== undefined) this.failing = q.fail as boolean;
    if (q.glitches !== undefined) this.glitches = Math.round(q.glitches as number);
    if (q.temperature !== undefined) this.temperature = q.temperature as number;
    if (q.humidity !== undefined) this.humidity = q.humidity as number;
  }

  state(): Record<string, unknown> {
    return { device: this.device, temperature: this.temperature, humidity: this.humidity, glitches: this.glitches, fail: this.failing };
  }

  read(attribute: string): string {
    const path = `/sys/bus/iio/devices/${this.device}/${attribute}`;
    if (attribute === 'name') return `${this.name}\n`;
    if (attribute !== 'in_temp_input' && attribute !== 'in_humidityrelative_input') throw notFoundError(path);
    if (this.failing) throw kernelReadError('ETIMEDOUT', path);
    if (this.glitches > 0) throw kernelReadError(this.glitches-- % 2 ? 'EIO' : 'ETIMEDOUT', path);
    // The sensor sends tenths; the driver multiplies by 100.
    const value = attribute === 'in_temp_input' ? this.temperature : this.humidity;
    return `${Math.round(value * 10) * 100}\n`;
  }
}

/** Puts a DHT22 in the sim's IIO tree, at the scheme's `device` or the first free `iio:deviceN`. */
export const attachDht22: SimModel = (board, schemeId, options) => {
  const wanted = typeof options.device === 'string' ? options.device : undefined;
  let sensor: Dht22Sensor | undefined;
  return board.claim(
    `iio:${wanted ?? schemeId}`,
    () => {
      sensor = new Dht22Sensor();
      sensor.device = board.iio.place(sensor, wanted);
      return sensor;
    },
    () => sensor && board.iio.remove(sensor.device),
  );
};
