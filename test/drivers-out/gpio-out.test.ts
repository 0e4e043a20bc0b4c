import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gpioOut } from '../../src/drivers-out/gpio-out.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import { optionsFor, outputContext } from '../drivers-in/context.js';
import { attachScheme } from '../hardware/sim/attach.js';

function setup(raw: Record<string, unknown>) {
  const hw = createSimHardware();
  const options = optionsFor(gpioOut, raw, 'fan');
  const device = attachScheme(hw, 'fan', 'gpio-out', options)!;
  const driver = gpioOut.create(options, outputContext(hw, 'fan'));
  return { device, driver };
}

test('gpio-out: starts at initial, then ON, OFF and TOGGLE drive the line', async () => {
  const { device, driver } = setup({ pin: 27 });
  assert.deepEqual(await driver.start(), { state: 'OFF' });
  assert.equal(device.state().level, 0);
  assert.deepEqual(await driver.apply({ state: 'ON' }), { state: 'ON' });
  assert.equal(device.state().level, 1);
  assert.deepEqual(await driver.apply({ state: 'TOGGLE' }), { state: 'OFF' });
  assert.equal(device.state().level, 0);
  assert.deepEqual(await driver.apply({ state: 'TOGGLE' }), { state: 'ON' });
  assert.deepEqual(await driver.apply({ state: 'OFF' }), { state: 'OFF' });
  assert.deepEqual(device.state().writes, [0, 1, 0, 1, 0]);
  await driver.stop();
});

test('gpio-out: invert drives low for ON; initial ON is honoured', async () => {
  const { device, driver } = setup({ pin: 'GPIO23', invert: true, initial: 'ON' });
  assert.deepEqual(await driver.start(), { state: 'ON' });
  assert.equal(device.state().level, 0);
  await driver.apply({ state: 'OFF' });
  assert.equal(device.state().level, 1);
});

test('gpio-out: a restored state wins over initial; junk in the saved state falls back to initial', async () => {
  const a = setup({ pin: 24, initial: 'OFF' });
  assert.deepEqual(await a.driver.start({ state: 'ON' }), { state: 'ON' });
  assert.equal(a.device.state().level, 1);
  const b = setup({ pin: 25, initial: 'ON' });
  assert.deepEqual(await b.driver.start({ state: 'maybe' }), { state: 'ON' });
});

test('gpio-out: a failing line makes commands throw, and heals', async () => {
  const { device, driver } = setup({ pin: 26 });
  await driver.start();
  device.set({ fail: true });
  await assert.rejects(driver.apply({ state: 'ON' }), { code: 'EIO' });
  device.set({ fail: false });
  assert.deepEqual(await driver.apply({ state: 'TOGGLE' }), { state: 'ON' }, 'the failed command changed nothing');
});

test('gpio-out: command schema', () => {
  assert.deepEqual(gpioOut.command.parse({ state: 'ON', for: '5s' }), { state: 'ON', for: 5000 });
  assert.deepEqual(gpioOut.command.parse({ state: 'TOGGLE' }), { state: 'TOGGLE' });
  assert.throws(() => gpioOut.command.parse({ state: 'on' }));
  assert.throws(() => gpioOut.command.parse({ state: 'ON', brightness: 3 }), 'strict: unknown keys refused');
  assert.throws(() => gpioOut.command.parse({ state: 'ON', for: 'soon' }));
  assert.deepEqual(gpioOut.schema.parse({ pin: 4 }), { pin: 4, initial: 'OFF', invert: false });
});
