import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { pulseCounter } from '../../src/drivers-in/pulse-counter.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import { optionsFor } from './context.js';
import { packInputContext } from './pack-context.js';
import { attachScheme } from '../hardware/sim/attach.js';

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

async function setup(t: TestContext, raw: Record<string, unknown>, stored = new Map<string, number>()) {
  const hw = createSimHardware();
  const options = optionsFor(pulseCounter, { pin: 22, ...raw }, 'meter');
  const device = attachScheme(hw, 'meter', 'pulse-counter', options)!;
  const ctx = packInputContext(hw, 'meter', stored);
  const driver = pulseCounter.create(options, ctx);
  /** Moves the mocked clock (timers and Date) on by `ms`, in small steps so edges and debounce run. */
  const advance = async (ms: number, step = 1) => {
    for (let done = 0; done < ms; done += step) {
      t.mock.timers.tick(Math.min(step, ms - done));
      await settle();
    }
  };
  await driver.start();
  return { device, ctx, driver, advance, stored };
}

test('pulse-counter: a water meter at 0.5 L per pulse: 24 pulses in a minute are 12 L/min (worked example)', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const m = await setup(t, { pull: 'up', edge: 'falling', debounce: '20ms', multiplier: 0.5, interval: '60s' });
  assert.deepEqual(await m.driver.read!(), { count: 0, rate_per_min: 0, total: 0 });
  m.device.set({ pulses: 24 }); // each half pulse 5 × 20 ms: all done in 4.8 s
  await m.advance(5000);
  assert.equal(m.device.state().pulses_sent, 24);
  await m.advance(55_000, 1000);
  assert.deepEqual(await m.driver.read!(), { count: 24, rate_per_min: 12, total: 12 });
  assert.deepEqual(await m.driver.read!(), { count: 0, rate_per_min: 0, total: 12 }, 'count is per reading');
  await m.driver.stop();
});

test('pulse-counter: an S0 energy meter at 1000 imp/kWh: 50 pulses in 60 s are 0.05 kWh/min (3 kW)', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const m = await setup(t, { multiplier: 0.001, offset: 1520.25, debounce: '10ms' });
  m.device.set({ pulses: 50 }); // 50 ms half pulses: done in 5 s
  await m.advance(5_500);
  await m.advance(54_500, 500);
  const r = await m.driver.read!();
  assert.deepEqual(r, { count: 50, rate_per_min: 0.05, total: 1520.3 });
  await m.driver.stop();
});

test('pulse-counter: contact bounce shorter than the debounce adds nothing; edge both counts both edges', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const m = await setup(t, { debounce: '20ms' });
  // A bouncy rising edge: 1 0 1 0 1 within 8 ms, then held high; then a clean fall.
  for (const level of [1, 0, 1, 0, 1] as const) {
    m.device.set({ level });
    await m.advance(2, 1);
  }
  await m.advance(100);
  m.device.set({ level: 0 });
  await m.advance(100);
  assert.equal((await m.driver.read!()).count, 1);
  await m.driver.stop();

  const both = await setup(t, { pin: 23, edge: 'both' });
  both.device.set({ pulses: 3 });
  await both.advance(500);
  assert.equal((await both.driver.read!()).count, 6);
  await both.driver.stop();
});

test('pulse-counter: the total a reading shows is saved before the reading, once per reading with new pulses, and at stop', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const stored = new Map<string, number>();
  const m = await setup(t, { interval: '10s', multiplier: 2 }, stored);
  m.device.set({ pulses: 5 });
  await m.advance(1000);
  assert.equal((await m.driver.read!()).total, 10);
  assert.equal(stored.get('pulses'), 5, 'on disk before the reading showing it went out');
  assert.equal(m.ctx.persistWrites, 1);
  await m.driver.read!();
  assert.equal(m.ctx.persistWrites, 1, 'no new pulses, nothing written');
  m.device.set({ pulses: 2 });
  await m.advance(200);
  await m.advance(8_800, 100);
  assert.equal((await m.driver.read!()).total, 14);
  assert.equal(m.ctx.persistWrites, 2);
  assert.equal(stored.get('pulses'), 7);
  m.device.set({ pulses: 1 });
  await m.advance(500);
  await m.driver.stop();
  assert.equal(stored.get('pulses'), 8, 'pulses not yet read are saved at stop');

  const again = await setup(t, { pin: 24, interval: '10s', multiplier: 2 }, stored);
  assert.deepEqual(await again.driver.read!(), { count: 0, rate_per_min: 0, total: 16 });
  await again.driver.stop();
  assert.equal(again.ctx.persistWrites, 0, 'nothing new, nothing written');
});

test('pulse-counter: a failing line fails the start and the debounced read', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const m = await setup(t, {});
  m.device.set({ level: 1 });
  await settle();
  m.device.set({ fail: true });
  await m.advance(50);
  assert.equal(m.ctx.failures.length, 1);
  await m.driver.stop();
  const hw = createSimHardware();
  const options = optionsFor(pulseCounter, { pin: 5 }, 'x');
  attachScheme(hw, 'x', 'pulse-counter', options)!.set({ fail: true });
  await assert.rejects(pulseCounter.create(options, packInputContext(hw, 'x')).start(), { code: 'EIO' });
});

test('pulse-counter: schema defaults', () => {
  assert.deepEqual(pulseCounter.schema.parse({ pin: 22 }), {
    pin: 22, interval: 60_000, edge: 'rising', pull: 'none', debounce: 10, multiplier: 1, offset: 0,
  });
  assert.throws(() => pulseCounter.schema.parse({ pin: 22, multiplier: 0 }));
});
