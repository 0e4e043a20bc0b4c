import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pwm } from '../../src/drivers-out/pwm.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import { optionsFor } from '../drivers-in/context.js';
import { packOutputContext } from '../drivers-in/pack-context.js';
import { attachScheme } from '../hardware/sim/attach.js';

function setup(raw: Record<string, unknown>, stored = new Map<string, number>()) {
  const hw = createSimHardware();
  const options = optionsFor(pwm, raw, 'lamp');
  const device = attachScheme(hw, 'lamp', 'pwm', options)!;
  const ctx = { ...packOutputContext(hw, 'lamp'), persist: { get: (k: string) => stored.get(k), set: async (k: string, v: number) => void stored.set(k, v) } };
  return { hw, device, stored, driver: pwm.create(options, ctx) };
}

test('pwm: frequency sets the period; brightness sets the duty cycle on an enabled channel', async () => {
  const { device, driver } = setup({ chip: 0, channel: 1, frequency: 1000 });
  assert.deepEqual(await driver.start(), { state: 'OFF', brightness: 0 });
  assert.deepEqual(device.state(), {
    chip: 0, channel: 1, period_ns: 1_000_000, duty_ns: 0, enabled: true, frequency: 1000, duty_pct: 0, pulse_us: 0, fail: false,
  });
  assert.deepEqual(await driver.apply({ value: 25 }), { state: 'ON', brightness: 25 });
  assert.equal(device.state().duty_ns, 250_000);
  assert.deepEqual(await driver.apply({ brightness: 100 }), { state: 'ON', brightness: 100 });
  assert.equal(device.state().duty_ns, 1_000_000);
  assert.deepEqual(await driver.apply({ brightness: 0 }), { state: 'OFF', brightness: 0 });
  assert.equal(device.state().duty_ns, 0);
});

test('pwm: ON returns to the last non-zero brightness (100 % at first), OFF and TOGGLE keep it', async () => {
  const { driver, stored } = setup({ frequency: 200 });
  await driver.start();
  assert.deepEqual(await driver.apply({ state: 'ON' }), { state: 'ON', brightness: 100 });
  await driver.apply({ value: 40 });
  assert.deepEqual(await driver.apply({ state: 'OFF' }), { state: 'OFF', brightness: 0 });
  assert.deepEqual(await driver.apply({ state: 'ON' }), { state: 'ON', brightness: 40 });
  assert.deepEqual(await driver.apply({ state: 'TOGGLE' }), { state: 'OFF', brightness: 0 });
  assert.deepEqual(await driver.apply({ state: 'TOGGLE' }), { state: 'ON', brightness: 40 });
  assert.deepEqual(await driver.apply({ state: 'ON', brightness: 70 }), { state: 'ON', brightness: 70 });
  assert.equal(stored.get('last_on'), 70, 'kept for the next start');

  const again = setup({ frequency: 200 }, stored);
  assert.deepEqual(await again.driver.start({ state: 'OFF', brightness: 0 }), { state: 'OFF', brightness: 0 });
  assert.deepEqual(await again.driver.apply({ state: 'ON' }), { state: 'ON', brightness: 70 });
});

test('pwm: restore wins over initial; invert and gamma shape the duty cycle', async () => {
  const a = setup({ initial: 10 });
  assert.deepEqual(await a.driver.start({ state: 'ON', brightness: 60 }), { state: 'ON', brightness: 60 });
  const b = setup({ initial: 10, frequency: 1000, invert: true });
  await b.driver.start();
  assert.equal(b.device.state().duty_ns, 900_000, '10 % on an active-low output is low 10 % of the time');
  const c = setup({ frequency: 1000, gamma: 2 });
  await c.driver.start();
  await c.driver.apply({ value: 50 });
  assert.equal(c.device.state().duty_ns, 250_000, '(50/100)^2 of the period');
});

test('pwm: a failing channel makes the command throw and changes nothing; stop disables it', async () => {
  const { device, driver } = setup({});
  await driver.start();
  await driver.apply({ value: 30 });
  device.set({ fail: true });
  await assert.rejects(driver.apply({ value: 80 }), { code: 'EIO' });
  device.set({ fail: false });
  assert.deepEqual(await driver.apply({ state: 'TOGGLE' }), { state: 'OFF', brightness: 0 });
  await driver.stop();
  assert.equal(device.state().enabled, false);
});

test('pwm: command and option schemas', () => {
  assert.deepEqual(pwm.command.parse({ value: 12.5 }), { value: 12.5 });
  assert.deepEqual(pwm.command.parse({ state: 'ON', for: '1m' }), { state: 'ON', for: 60_000 });
  assert.throws(() => pwm.command.parse({ value: 101 }));
  assert.throws(() => pwm.command.parse({ brightness: -1 }));
  assert.throws(() => pwm.command.parse({ text: 'bright' }));
  assert.throws(() => pwm.command.parse({}));
  assert.deepEqual(pwm.schema.parse({}), { chip: 0, channel: 0, frequency: 1000, initial: 0, invert: false, gamma: 1 });
  assert.throws(() => pwm.schema.parse({ frequency: 0 }));
});
