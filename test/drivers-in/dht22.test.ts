import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dht22, dht22Value, findIioDevice } from '../../src/drivers-in/dht22.js';
import type { Iio } from '../../src/hardware/types.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import type { Dht22Sensor } from '../../src/hardware/sim/chips/dht22.js';
import { fakeHardware, inputContext, optionsFor } from './context.js';
import { attachScheme } from '../hardware/sim/attach.js';

const errno = (code: string) => Object.assign(new Error(`${code}, read`), { code });

/** An IIO tree of `files` (device → attribute → text or a thrown errno code), logging every read. */
function fakeIio(files: Record<string, Record<string, string | (string | { throws: string })[]>>) {
  const reads: string[] = [];
  const iio: Iio = {
    list: async () => Object.keys(files).map((device) => ({ device, name: String(files[device]!.name) })),
    read: async (device, attribute) => {
      reads.push(`${device}/${attribute}`);
      const v = files[device]?.[attribute];
      if (v === undefined) throw errno('ENOENT');
      if (typeof v === 'string') return v;
      const next = v.length > 1 ? v.shift()! : v[0]!;
      if (typeof next === 'object') throw errno(next.throws);
      return next;
    },
  };
  return { iio, reads };
}

test('dht22: the kernel publishes milli-units; the DHT22 sends tenths (-10.1 °C is -10100)', () => {
  assert.equal(dht22Value('iio:device0', 'in_temp_input', '23400'), 23.4);
  assert.equal(dht22Value('iio:device0', 'in_temp_input', '-10100'), -10.1);
  assert.equal(dht22Value('iio:device0', 'in_humidityrelative_input', '65200'), 65.2);
  assert.throws(() => dht22Value('iio:device0', 'in_temp_input', '23.4'), /\/sys\/bus\/iio\/devices\/iio:device0\/in_temp_input: expected an integer in thousandths, got "23.4"/);
  assert.throws(() => dht22Value('iio:device0', 'in_humidityrelative_input', '100100'), /100.1 is outside the DHT22's range 0..100/);
  assert.throws(() => dht22Value('iio:device0', 'in_temp_input', '-40000'.padEnd(12, '0')), /expected an integer/);
});

test('dht22: the device is found by its name file, or given; none or two is a clear error', async () => {
  const { iio } = fakeIio({ 'iio:device0': { name: 'mcp3422' }, 'iio:device1': { name: 'dht11' } });
  assert.equal(await findIioDevice(iio, 'dht11'), 'iio:device1');
  assert.equal(await findIioDevice(iio, 'dht11', 'iio:device0'), 'iio:device0');
  await assert.rejects(findIioDevice(iio, 'dht11', 'iio:device7'), /IIO device iio:device7 not found under \/sys\/bus\/iio\/devices \(present: iio:device0, iio:device1\)/);
  await assert.rejects(findIioDevice(iio, 'am2302'), /no IIO device named 'am2302' .*dtoverlay=dht11/);
  const two = fakeIio({ 'iio:device0': { name: 'dht11' }, 'iio:device1': { name: 'dht11' } });
  await assert.rejects(findIioDevice(two.iio, 'dht11'), /2 IIO devices are named 'dht11' \(iio:device0, iio:device1\): set `device:`/);
});

test('dht22: a read the kernel lost (EIO) is tried once more; a second loss (ETIMEDOUT) fails the read', async () => {
  const { iio, reads } = fakeIio({
    'iio:device0': { name: 'dht11', in_temp_input: [{ throws: 'EIO' }, '21300'], in_humidityrelative_input: '48700' },
  });
  const driver = dht22.create(optionsFor(dht22, {}), inputContext(fakeHardware({ iio })));
  await driver.start();
  assert.deepEqual(await driver.read!(), { temperature: 21.3, humidity: 48.7 });
  assert.deepEqual(reads, ['iio:device0/in_temp_input', 'iio:device0/in_temp_input', 'iio:device0/in_humidityrelative_input']);

  const failing = fakeIio({ 'iio:device0': { name: 'dht11', in_temp_input: [{ throws: 'ETIMEDOUT' }], in_humidityrelative_input: '1' } });
  const broken = dht22.create(optionsFor(dht22, {}), inputContext(fakeHardware({ iio: failing.iio })));
  await broken.start();
  await assert.rejects(broken.read!(), { code: 'ETIMEDOUT' });
  assert.equal(failing.reads.length, 2, 'one retry, no more');

  // A missing attribute is no glitch: no retry.
  const missing = fakeIio({ 'iio:device0': { name: 'dht11' } });
  const wrong = dht22.create(optionsFor(dht22, {}), inputContext(fakeHardware({ iio: missing.iio })));
  await wrong.start();
  await assert.rejects(wrong.read!(), { code: 'ENOENT' });
  assert.equal(missing.reads.length, 1);
});

test('dht22: round trip through the sim model, with a glitch and a dead sensor', async () => {
  const hw = createSimHardware();
  const options = optionsFor(dht22, {});
  const sensor = attachScheme(hw, 'shed', 'dht22', options) as Dht22Sensor;
  assert.deepEqual(await hw.iio.list(), [{ device: 'iio:device0', name: 'dht11' }]);
  const driver = dht22.create(options, inputContext(hw, 'shed'));
  await driver.start();
  sensor.set({ temperature: -7.3, humidity: 88.1 });
  assert.deepEqual(await driver.read!(), { temperature: -7.3, humidity: 88.1 });
  sensor.set({ glitches: 1 });
  assert.deepEqual(await driver.read!(), { temperature: -7.3, humidity: 88.1 }, 'one glitch is retried away');
  sensor.set({ fail: true });
  await assert.rejects(driver.read!(), /ETIMEDOUT/);
  hw.detach('shed');
  assert.deepEqual(await hw.iio.list(), [], 'the sensor leaves with its last scheme');
});
