import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { button } from '../../src/drivers-in/button.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import { optionsFor } from './context.js';
import { packInputContext } from './pack-context.js';
import { attachScheme } from '../hardware/sim/attach.js';

/** Lets queued edges and the driver's awaits run (setImmediate is left real by the timer mock). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A button to ground with a pull-up (the defaults). `at(ms)` moves the mocked clock to `ms` after
 * the start, letting the driver react on the way.
 */
async function setup(t: TestContext, raw: Record<string, unknown> = {}) {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const hw = createSimHardware();
  const options = optionsFor(button, { pin: 17, ...raw }, 'hall');
  const device = attachScheme(hw, 'hall', 'button', options)!;
  const ctx = packInputContext(hw, 'hall');
  const driver = button.create(options, ctx);
  let now = 0;
  const at = async (ms: number) => {
    for (; now < ms; now++) {
      t.mock.timers.tick(1);
      await settle();
    }
  };
  const level = async (l: 0 | 1) => {
    device.set({ level: l });
    await settle();
  };
  const events = () => ctx.events.map((e) => e.event);
  await driver.start();
  return { device, ctx, driver, at, down: () => level(0), up: () => level(1), events };
}

test('button: a short press is a press once the double-press window has passed; state follows the level', async (t) => {
  const b = await setup(t);
  assert.deepEqual(b.ctx.emitted, [{ state: 'OFF' }]);
  await b.down();
  await b.at(100);
  await b.up();
  await b.at(300);
  assert.deepEqual(b.events(), [], 'still waiting for a possible second press');
  assert.deepEqual(b.ctx.emitted, [{ state: 'OFF' }, { state: 'ON' }, { state: 'OFF' }]);
  await b.at(519); // released at 100 + 20 debounce = 120; window 400 ms
  assert.deepEqual(b.events(), []);
  await b.at(521);
  assert.deepEqual(b.events(), ['press']);
  await b.driver.stop();
});

test('button: two presses within the window are one double_press, at the second press', async (t) => {
  const b = await setup(t);
  await b.down();
  await b.at(80);
  await b.up();
  await b.at(250);
  await b.down();
  await b.at(271);
  assert.deepEqual(b.events(), ['double_press']);
  await b.at(330);
  await b.up();
  await b.at(2000);
  assert.deepEqual(b.events(), ['double_press'], 'the second release adds nothing');
  await b.driver.stop();
});

test('button: held for long_press is a long_press while still held; its release adds no press', async (t) => {
  const b = await setup(t, { long_press: '1s' });
  await b.down();
  await b.at(1019); // down counts at 20 ms (debounce); long at 1020
  assert.deepEqual(b.events(), []);
  await b.at(1021);
  assert.deepEqual(b.events(), ['long_press']);
  await b.at(3000);
  await b.up();
  await b.at(4000);
  assert.deepEqual(b.events(), ['long_press']);
  await b.driver.stop();
});

test('button: with double_press off a press is immediate; bounces never reach the events', async (t) => {
  const b = await setup(t, { double_press: 0, debounce: '30ms' });
  // Contact bounce on the way down and on the way up.
  let ms = 0;
  for (const l of [0, 1, 0, 1, 0] as const) {
    b.device.set({ level: l });
    await b.at((ms += 5));
  }
  await b.at(100);
  assert.deepEqual(b.ctx.emitted, [{ state: 'OFF' }, { state: 'ON' }]);
  for (const l of [1, 0, 1] as const) {
    b.device.set({ level: l });
    await settle();
  }
  await b.at(129);
  assert.deepEqual(b.events(), []);
  await b.at(131);
  assert.deepEqual(b.events(), ['press']);
  assert.deepEqual(b.ctx.emitted, [{ state: 'OFF' }, { state: 'ON' }, { state: 'OFF' }]);
  await b.driver.stop();
});

test('button: a slow second press is two presses; long_press 0 never fires', async (t) => {
  const b = await setup(t, { long_press: 0, double_press: '200ms' });
  await b.down();
  await b.at(5000);
  await b.up();
  await b.at(5300);
  await b.down();
  await b.at(5400);
  await b.up();
  await b.at(6000);
  assert.deepEqual(b.events(), ['press', 'press']);
  await b.driver.stop();
});

test('button: no events after stop; invert false reads a high level as pressed', async (t) => {
  const b = await setup(t, { invert: false, pull: 'down' });
  await b.up(); // level 1 = pressed with invert false
  await b.at(50);
  await b.down();
  await b.driver.stop();
  await b.at(2000);
  assert.deepEqual(b.events(), []);
  assert.deepEqual(b.ctx.emitted, [{ state: 'OFF' }, { state: 'ON' }]);
});

test('button: held at start is no gesture', async (t) => {
  const held = await setup(t, { pin: 18, pull: 'none' }); // idles low: pressed with invert
  assert.deepEqual(held.ctx.emitted, [{ state: 'ON' }]);
  await held.up();
  await held.at(1000);
  assert.deepEqual(held.events(), []);
  assert.deepEqual(await held.driver.read!(), { state: 'OFF' });
  await held.driver.stop();
});

test('button: schema defaults', () => {
  assert.deepEqual(button.schema.parse({ pin: 4 }), { pin: 4, pull: 'up', invert: true, debounce: 20, long_press: 1000, double_press: 400 });
});
