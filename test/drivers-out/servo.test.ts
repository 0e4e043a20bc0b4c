import { test } from 'node:test';
import assert from 'node:assert/strict';
import { servo, pulseWidthUs } from '../../src/drivers-out/servo.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import { optionsFor } from '../drivers-in/context.js';
import { packOutputContext } from '../drivers-in/pack-context.js';
import { attachScheme } from '../hardware/sim/attach.js';

function setup(raw: Record<string, unknown>) {
  const hw = createSimHardware();
  const options = optionsFor(servo, raw, 'flap');
  const device = attachScheme(hw, 'flap', 'servo', options)!;
  return { device, driver: servo.create(options, packOutputContext(hw, 'flap')) };
}

test('servo: TowerPro SG90 datasheet vector: 20 ms period, 1 ms / 1.5 ms / 2 ms for the ends and the middle', async () => {
  const sg90 = { min_pulse: 1000, max_pulse: 2000, min_angle: 0, max_angle: 180 };
  assert.equal(pulseWidthUs(0, sg90), 1000);
  assert.equal(pulseWidthUs(90, sg90), 1500);
  assert.equal(pulseWidthUs(180, sg90), 2000);
  assert.equal(pulseWidthUs(45, sg90), 1250);
  const { device, driver } = setup({ initial: 90 });
  assert.deepEqual(await driver.start(), { angle: 90 });
  const s = device.state();
  assert.equal(s.period_ns, 20_000_000);
  assert.equal(s.frequency, 50);
  assert.equal(s.duty_ns, 1_500_000);
  assert.equal(s.duty_pct, 7.5);
});

test('servo: a widened 500–2500 µs range and a restricted angle range; angles outside it are held at the ends', async () => {
  const wide = { min_pulse: 500, max_pulse: 2500, min_angle: 0, max_angle: 180 };
  assert.equal(pulseWidthUs(0, wide), 500);
  assert.equal(pulseWidthUs(135, wide), 2000);
  const part = { min_pulse: 1000, max_pulse: 2000, min_angle: 30, max_angle: 150 };
  assert.equal(pulseWidthUs(30, part), 1000);
  assert.equal(pulseWidthUs(90, part), 1500);
  assert.equal(pulseWidthUs(10, part), 1000);
  assert.equal(pulseWidthUs(170, part), 2000);

  const { device, driver } = setup({ min_pulse: 500, max_pulse: 2500, min_angle: 30, max_angle: 150 });
  await driver.start();
  assert.deepEqual(await driver.apply({ angle: 180 }), { angle: 150 });
  assert.equal(device.state().pulse_us, 2500);
  assert.deepEqual(await driver.apply({ value: 60 }), { angle: 60 });
  assert.equal(device.state().pulse_us, 1000);
});

test('servo: without initial it stays limp until the first command; restore wins', async () => {
  const a = setup({});
  assert.deepEqual(await a.driver.start(), { angle: null });
  assert.equal(a.device.state().enabled, false);
  assert.deepEqual(await a.driver.apply({ value: 0 }), { angle: 0 });
  assert.equal(a.device.state().enabled, true);
  assert.equal(a.device.state().pulse_us, 1000);
  const b = setup({ initial: 10 });
  assert.deepEqual(await b.driver.start({ angle: 120 }), { angle: 120 });
});

test('servo: inconsistent ranges fail the start; schemas', async () => {
  await assert.rejects(setup({ min_pulse: 2000, max_pulse: 1000 }).driver.start(), /min_pulse/);
  await assert.rejects(setup({ min_angle: 90, max_angle: 90 }).driver.start(), /min_angle/);
  assert.deepEqual(servo.schema.parse({}), { chip: 0, channel: 0, frequency: 50, min_pulse: 1000, max_pulse: 2000, min_angle: 0, max_angle: 180 });
  assert.deepEqual(servo.command.parse({ angle: 45.5 }), { angle: 45.5 });
  assert.throws(() => servo.command.parse({ angle: 181 }));
  assert.throws(() => servo.command.parse({ state: 'ON' }));
  assert.throws(() => servo.command.parse({ angle: 10, for: '1s' }), 'no for: a servo has no OFF to fall back to');
});
