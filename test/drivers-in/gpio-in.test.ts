import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gpioIn } from '../../src/drivers-in/gpio-in.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import { inputContext, optionsFor } from './context.js';
import { attachScheme } from '../hardware/sim/attach.js';

/** Lets queued edges and the driver's awaits run (setImmediate is left real by the timer mock). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

async function setup(raw: Record<string, unknown>) {
  const hw = createSimHardware();
  const options = optionsFor(gpioIn, raw, 'button');
  const device = attachScheme(hw, 'button', 'gpio-in', options)!;
  const ctx = inputContext(hw, 'button');
  const driver = gpioIn.create(options, ctx);
  return { hw, device, ctx, driver };
}

test('gpio-in: emits the initial state on start, then each debounced change', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { device, ctx, driver } = await setup({ pin: 17, debounce: '20ms' });
  await driver.start();
  await settle();
  assert.deepEqual(ctx.emitted, [{ state: 'OFF' }]);

  device.set({ level: 1 });
  await settle();
  t.mock.timers.tick(19);
  await settle();
  assert.equal(ctx.emitted.length, 1, 'not before the level has held for the debounce time');
  t.mock.timers.tick(1);
  await settle();
  assert.deepEqual(ctx.emitted, [{ state: 'OFF' }, { state: 'ON' }]);

  device.set({ level: 0 });
  await settle();
  t.mock.timers.tick(25);
  await settle();
  assert.deepEqual(ctx.emitted.at(-1), { state: 'OFF' });
  assert.equal(ctx.emitted.length, 3);
  await driver.stop();
});

test('gpio-in: a bounce shorter than the debounce time produces no event', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { device, ctx, driver } = await setup({ pin: 22, debounce: 30 });
  await driver.start();
  // Contact bounce: 1, 0, 1, 0 within 15 ms, ending where it started.
  for (const level of [1, 0, 1, 0] as const) {
    device.set({ level });
    await settle();
    t.mock.timers.tick(5);
    await settle();
  }
  t.mock.timers.tick(100);
  await settle();
  assert.deepEqual(ctx.emitted, [{ state: 'OFF' }]);

  // A bounce that ends on a new level counts once, after it has settled.
  for (const level of [1, 0, 1] as const) {
    device.set({ level });
    await settle();
    t.mock.timers.tick(5);
    await settle();
  }
  // The last edge was 5 ms ago; the level must hold 30 ms from it.
  t.mock.timers.tick(24);
  await settle();
  assert.deepEqual(ctx.emitted, [{ state: 'OFF' }]);
  t.mock.timers.tick(1);
  await settle();
  assert.deepEqual(ctx.emitted, [{ state: 'OFF' }, { state: 'ON' }]);
  await driver.stop();
});

test('gpio-in: invert publishes ON for a low level; a pull-up idles high in the sim', async () => {
  const { device, ctx, driver } = await setup({ pin: 'GPIO5', pull: 'up', invert: true, debounce: 0 });
  await driver.start();
  await settle();
  assert.deepEqual(ctx.emitted, [{ state: 'OFF' }]);
  device.set({ level: 0 }); // button pressed: pulled to ground
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(ctx.emitted, [{ state: 'OFF' }, { state: 'ON' }]);
  assert.deepEqual(await driver.read!(), { state: 'ON' });
  await driver.stop();
});

test('gpio-in: read() reports the current state; a failing line throws and heals', async () => {
  const { device, driver } = await setup({ pin: 6 });
  await driver.start();
  device.set({ level: 1 });
  assert.deepEqual(await driver.read!(), { state: 'ON' });
  device.set({ fail: true });
  await assert.rejects(driver.read!(), { code: 'EIO' });
  device.set({ fail: false });
  assert.deepEqual(await driver.read!(), { state: 'ON' });
  await driver.stop();
});

test('gpio-in: a line that fails during debounce is reported through ctx.fail', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { device, ctx, driver } = await setup({ pin: 13 });
  await driver.start();
  device.set({ level: 1 });
  await settle();
  device.set({ fail: true });
  t.mock.timers.tick(20);
  await settle();
  assert.equal(ctx.failures.length, 1);
  assert.equal((ctx.failures[0] as NodeJS.ErrnoException).code, 'EIO');
  await driver.stop();
});

test('gpio-in: no events after stop', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { device, ctx, driver } = await setup({ pin: 19 });
  await driver.start();
  device.set({ level: 1 });
  await settle();
  await driver.stop();
  t.mock.timers.tick(100);
  await settle();
  assert.deepEqual(ctx.emitted, [{ state: 'OFF' }]);
});

test('gpio-in: schema defaults', () => {
  assert.deepEqual(gpioIn.schema.parse({ pin: 17 }), { pin: 17, pull: 'none', invert: false, debounce: 20 });
  assert.throws(() => gpioIn.schema.parse({ pin: 17, pull: 'sideways' }));
});
