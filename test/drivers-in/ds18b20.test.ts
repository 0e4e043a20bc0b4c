import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ds18b20 } from '../../src/drivers-in/ds18b20.js';
import { parseTemperatureAttribute, parseW1Slave } from '../../src/drivers-in/w1-therm.js';
import { crc8Dallas as crc8 } from '../../src/hardware/datasheets/crc8.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import type { OneWire } from '../../src/hardware/types.js';
import { fakeHardware, inputContext, optionsFor } from './context.js';
import { attachScheme } from '../hardware/sim/attach.js';

// Captured from real sensors: 23.125 °C, and the 85 °C power-on scratchpad.
const GOOD = '72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=23125\n';
const POWER_ON = '50 05 4b 46 7f ff 0c 10 1c : crc=1c YES\n50 05 4b 46 7f ff 0c 10 1c t=85000\n';

test('crc8: Dallas/Maxim CRC of real scratchpads', () => {
  const hex = (s: string) => s.split(' ').map((b) => Number.parseInt(b, 16));
  assert.equal(crc8(hex('72 01 4b 46 7f ff 0e 10')), 0x57);
  assert.equal(crc8(hex('50 05 4b 46 7f ff 0c 10')), 0x1c);
  assert.equal(crc8(hex('ff ff ff ff ff ff ff ff')), 0xc9);
  assert.equal(crc8(hex('72 01 4b 46 7f ff 0e 10 57')), 0);
});

test('w1_slave: a good read gives millidegrees', () => {
  assert.equal(parseW1Slave(GOOD), 23125);
});

test('w1_slave: every kind of bad read is refused', () => {
  assert.throws(() => parseW1Slave(GOOD.replace(' YES', ' NO')), /CRC check failed/);
  // A byte changed on the wire while the kernel line still says YES.
  assert.throws(() => parseW1Slave(GOOD.replace(/^72/, '73')), /CRC check failed \(scratchpad crc 57, computed/);
  assert.throws(() => parseW1Slave(POWER_ON), /85 °C power-on value/);
  const zeros = '00 00 00 00 00 00 00 00 00 : crc=00 YES\n00 00 00 00 00 00 00 00 00 t=0\n';
  assert.throws(() => parseW1Slave(zeros), /not responding/);
  assert.throws(() => parseW1Slave('garbage'), /unreadable w1_slave/);
  assert.throws(() => parseW1Slave(GOOD.split('\n')[0]!), /unreadable/);
});

test('temperature attribute: plain millidegrees, 85000 refused', () => {
  assert.equal(parseTemperatureAttribute('-1250\n'), -1250);
  assert.throws(() => parseTemperatureAttribute('85000\n'), /power-on/);
  assert.throws(() => parseTemperatureAttribute('n/a'), /unreadable/);
});

function oneWire(devices: Record<string, { kind: 'w1_slave' | 'temperature'; text: string }>): OneWire {
  return {
    list: async () => Object.keys(devices),
    read: async (id) => {
      const d = devices[id];
      if (!d) throw Object.assign(new Error(`ENOENT ${id}`), { code: 'ENOENT' });
      return d;
    },
  };
}

test('ds18b20: publishes °C with 2 decimals from either kind of text', async () => {
  const w1 = oneWire({ '28-0316a2795aff': { kind: 'w1_slave', text: GOOD }, '28-000000000002': { kind: 'temperature', text: '-10062\n' } });
  const a = ds18b20.create(optionsFor(ds18b20, { sensor_id: '28-0316a2795aff' }), inputContext(fakeHardware({ oneWire: w1 })));
  await a.start();
  assert.deepEqual(await a.read!(), { temperature: 23.13 });
  const b = ds18b20.create(optionsFor(ds18b20, { sensor_id: '28-000000000002' }), inputContext(fakeHardware({ oneWire: w1 })));
  await b.start();
  assert.deepEqual(await b.read!(), { temperature: -10.06 });
});

test('ds18b20: without sensor_id it takes the only DS18B20, and refuses none or several', async () => {
  const one = oneWire({ '28-0316a2795aff': { kind: 'w1_slave', text: GOOD }, '3a-000000000001': { kind: 'temperature', text: '0' } });
  const d = ds18b20.create(optionsFor(ds18b20, {}), inputContext(fakeHardware({ oneWire: one })));
  await d.start();
  assert.equal((await d.read!()).temperature, 23.13);

  const none = ds18b20.create(optionsFor(ds18b20, {}), inputContext(fakeHardware({ oneWire: oneWire({}) })));
  await assert.rejects(none.start(), /no DS18B20/);
  const two = oneWire({ '28-000000000001': { kind: 'w1_slave', text: GOOD }, '28-000000000002': { kind: 'w1_slave', text: GOOD } });
  const several = ds18b20.create(optionsFor(ds18b20, {}), inputContext(fakeHardware({ oneWire: two })));
  await assert.rejects(several.start(), /2 DS18B20 sensors.*set sensor_id/);
});

test('ds18b20: sensor_id must look like a sysfs id', () => {
  assert.throws(() => ds18b20.schema.parse({ sensor_id: '28-0316A2795AFF' }), /lower-case/);
  assert.throws(() => ds18b20.schema.parse({ sensor_id: '0316a2795aff' }));
  assert.equal(ds18b20.schema.parse({}).interval, 30_000);
});

test('ds18b20: through the sim 1-wire bus, with faults', async () => {
  const hw = createSimHardware();
  const options = optionsFor(ds18b20, { sensor_id: '28-0316a2795aff' });
  const device = attachScheme(hw, 'tank', 'ds18b20', options)!;
  const driver = ds18b20.create(options, inputContext(hw, 'tank'));
  await driver.start();
  for (const t of [22.6875, -10.125, 0, 85.0625]) {
    device.set({ temperature: t });
    const r = await driver.read!();
    assert.ok(Math.abs((r.temperature as number) - t) <= 0.01, `set ${t}, read ${r.temperature}`);
  }
  device.set({ fail: true });
  await assert.rejects(driver.read!(), /CRC check failed/);
  device.set({ fail: false });
  await driver.read!();
});

test('ds18b20: the sim sensor without sensor_id is found on its own', async () => {
  const hw = createSimHardware();
  const options = optionsFor(ds18b20, {});
  attachScheme(hw, 'tank', 'ds18b20', options)!.set({ temperature: 4.5 });
  const driver = ds18b20.create(options, inputContext(hw, 'tank'));
  await driver.start();
  assert.deepEqual(await driver.read!(), { temperature: 4.5 });
});
