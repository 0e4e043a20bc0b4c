import { test } from 'node:test';
import assert from 'node:assert/strict';
import { system } from '../../src/drivers-in/system.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import type { SystemFacts } from '../../src/hardware/types.js';
import { fakeHardware, inputContext, optionsFor } from './context.js';
import { attachScheme } from '../hardware/sim/attach.js';

const FACTS: SystemFacts = {
  hostname: 'kitchen-pi', model: 'Raspberry Pi 4 Model B Rev 1.4', kernel: '6.6.51+rpt-rpi-v8', arch: 'arm64',
  cpu_temp: 48.312, load1: 0.456, mem_used_pct: 23.456, disk_used_pct: 41.04, uptime: 86400.73,
};

test('system: publishes the five fields, rounded', async () => {
  const driver = system.create(optionsFor(system, {}), inputContext(fakeHardware({ system: { facts: async () => FACTS } })));
  await driver.start();
  assert.deepEqual(await driver.read!(), { cpu_temp: 48.3, load1: 0.46, mem_used_pct: 23.5, disk_used_pct: 41, uptime: 86400 });
});

test('system: cpu_temp is null where the board has no sensor', async () => {
  const driver = system.create(optionsFor(system, {}), inputContext(fakeHardware({ system: { facts: async () => ({ ...FACTS, cpu_temp: null }) } })));
  assert.equal((await driver.read!()).cpu_temp, null);
});

test('system: through the sim, with a settable CPU temperature and a fault', async () => {
  const hw = createSimHardware();
  const options = optionsFor(system, { interval: '1m' });
  assert.equal(options.interval, 60_000);
  const device = attachScheme(hw, 'health', 'system', options)!;
  const driver = system.create(options, inputContext(hw, 'health'));
  await driver.start();
  device.set({ cpu_temp: 71.25 });
  const r = await driver.read!();
  assert.equal(r.cpu_temp, 71.3);
  assert.deepEqual(Object.keys(r).sort(), ['cpu_temp', 'disk_used_pct', 'load1', 'mem_used_pct', 'uptime']);
  device.set({ fail: true });
  await assert.rejects(driver.read!());
  device.set({ fail: false });
  await driver.read!();
});
