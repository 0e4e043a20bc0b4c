import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { pcf8574In } from '../../src/drivers-in/pcf8574-in.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import type { Pcf8574InputPins } from '../../src/hardware/sim/chips/pcf8574-in.js';
import { fakeHardware, inputContext, optionsFor } from './context.js';
import { loggingBus } from './i2c-log.js';
import { attachScheme } from '../hardware/sim/attach.js';

/** Lets queued interrupts and the driver's awaits run. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
};

test('pcf8574-in: 1s are written to the input pins first (quasi-bidirectional), then the port byte is decoded', async () => {
  // P0 low, P1 high, P2 low, P3 high; the others are outputs or unused and are not published.
  const bus = loggingBus((op) => (op.op === 'read' ? [0b1111_1010] : undefined));
  const options = optionsFor(pcf8574In, { address: 0x27, pins: [0, 1, 2, 3] });
  const ctx = inputContext(fakeHardware({ i2c: async () => bus }));
  const driver = pcf8574In.create(options, ctx);
  await driver.start();
  // Each pin set high through the shared latch (starting at the power-on 0xFF), one byte per write.
  assert.deepEqual(bus.writes, [[0xff], [0xff], [0xff], [0xff]]);
  assert.deepEqual(ctx.emitted, [{ p0: 'OFF', p1: 'ON', p2: 'OFF', p3: 'ON' }]);
  await driver.stop();
  const inverted = pcf8574In.create(optionsFor(pcf8574In, { pins: [0, 1], invert: true }), inputContext(fakeHardware({ i2c: async () => bus })));
  assert.deepEqual((await (async () => (await inverted.start(), inverted.read!()))()), { p0: 'ON', p1: 'OFF' });
  await inverted.stop();
});

test('pcf8574-in: polling publishes on change only', async () => {
  const hw = createSimHardware();
  const options = optionsFor(pcf8574In, { interval: '10ms', invert: true }, 'zones');
  const device = attachScheme(hw, 'zones', 'pcf8574-in', options) as Pcf8574InputPins;
  const ctx = inputContext(hw, 'zones');
  const driver = pcf8574In.create(options, ctx);
  await driver.start();
  const allOff = Object.fromEntries([0, 1, 2, 3, 4, 5, 6, 7].map((p) => [`p${p}`, 'OFF']));
  assert.deepEqual(ctx.emitted, [allOff], 'the initial state: every pin pulled up, inverted to OFF');
  await sleep(50);
  assert.equal(ctx.emitted.length, 1, 'no change, nothing published');
  device.set({ p3: 0, p6: 0 });
  await sleep(40);
  assert.deepEqual(ctx.emitted, [allOff, { ...allOff, p3: 'ON', p6: 'ON' }]);
  await driver.stop();
  const count = ctx.emitted.length;
  device.set({ p3: 1 });
  await sleep(30);
  assert.equal(ctx.emitted.length, count, 'nothing after stop');
});

test('pcf8574-in: with int_pin the port is read on each INT edge and never polled', async () => {
  const hw = createSimHardware();
  const options = optionsFor(pcf8574In, { address: 0x38, pins: [0, 5], int_pin: 17 }, 'doors');
  const device = attachScheme(hw, 'doors', 'pcf8574-in', options) as Pcf8574InputPins;
  const ctx = inputContext(hw, 'doors');
  const driver = pcf8574In.create(options, ctx);
  await driver.start();
  await settle();
  assert.deepEqual(ctx.emitted, [{ p0: 'ON', p5: 'ON' }]);

  device.set({ p5: 0 });
  assert.equal(device.chip.interrupt, true, 'INT asserted after an input changed');
  await settle();
  assert.deepEqual(ctx.emitted.at(-1), { p0: 'ON', p5: 'OFF' });
  assert.equal(device.state().int, 1, 'the read released INT');

  // A change on a pin the scheme does not list raises INT too, but publishes nothing new.
  device.set({ p2: 0 });
  await settle();
  assert.equal(ctx.emitted.length, 2);
  assert.equal(device.state().int, 1);

  device.set({ p0: 0, p5: 1 });
  await settle();
  assert.deepEqual(ctx.emitted.at(-1), { p0: 'OFF', p5: 'ON' });
  assert.equal(ctx.emitted.length, 3);

  // No edges, no reads: with INT wired the driver does not poll.
  const before = ctx.emitted.length;
  await sleep(150);
  assert.equal(ctx.emitted.length, before);
  await driver.stop();
});

test('pcf8574-in: a change while INT is still low from the last one is not lost', async () => {
  const hw = createSimHardware();
  const options = optionsFor(pcf8574In, { pins: [1], int_pin: 22 }, 'bell');
  const device = attachScheme(hw, 'bell', 'pcf8574-in', options) as Pcf8574InputPins;
  const ctx = inputContext(hw, 'bell');
  const driver = pcf8574In.create(options, ctx);
  // Changed before start: INT is already low when the driver opens the line, so no edge will come.
  device.set({ p1: 0 });
  await driver.start();
  await settle();
  assert.deepEqual(ctx.emitted, [{ p1: 'OFF' }]);
  assert.equal(device.state().int, 1);
  await driver.stop();
});

test('pcf8574-in: a failed read while event-driven reports the fault', async () => {
  const hw = createSimHardware();
  const options = optionsFor(pcf8574In, { int_pin: 5 }, 'panel');
  const device = attachScheme(hw, 'panel', 'pcf8574-in', options) as Pcf8574InputPins;
  const ctx = inputContext(hw, 'panel');
  const driver = pcf8574In.create(options, ctx);
  await driver.start();
  device.set({ p0: 0 });
  device.set({ fail: true });
  await settle();
  assert.equal(ctx.failures.length, 1);
  assert.equal((ctx.failures[0] as NodeJS.ErrnoException).code, 'EREMOTEIO');
  await driver.stop();
});

test('pcf8574-in: schema', () => {
  assert.deepEqual(pcf8574In.schema.parse({}), { bus: 1, address: 0x20, pins: [0, 1, 2, 3, 4, 5, 6, 7], invert: false, interval: 100 });
  assert.throws(() => pcf8574In.schema.parse({ pins: [1, 1] }), /listed twice/);
  assert.throws(() => pcf8574In.schema.parse({ pins: [8] }));
  assert.throws(() => pcf8574In.schema.parse({ address: 0x30 }));
  assert.equal(pcf8574In.schema.parse({ int_pin: 'GPIO4' }).int_pin, 'GPIO4');
});
