import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { mcp23017In } from '../../src/drivers-in/mcp23017-in.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import type { Mcp23017InputPins } from '../../src/hardware/sim/chips/mcp23017.js';
import { fakeHardware, inputContext, optionsFor } from './context.js';
import { loggingBus } from './i2c-log.js';
import { attachScheme } from '../hardware/sim/attach.js';

const settle = async () => {
  for (let i = 0; i < 8; i++) await new Promise<void>((r) => setImmediate(r));
};

test('mcp23017-in: registers read back, IOCON.MIRROR, GPPU, INTCON, IODIR, GPINTEN written as A/B pairs, then GPIO decoded', async () => {
  // Power-on registers (table 3-1): IODIR 0xFFFF, the rest 0. GPIOA = 0b1111_1010, GPIOB = 0x7F.
  const power: Record<number, number[]> = { 0x00: [0xff, 0xff], 0x0c: [0, 0], 0x04: [0, 0], 0x14: [0, 0], 0x12: [0b1111_1010, 0x7f] };
  const bus = loggingBus((op) => (op.op === 'readRegister' ? power[op.register] : undefined));
  const ctx = inputContext(fakeHardware({ i2c: async () => bus }));
  const driver = mcp23017In.create(optionsFor(mcp23017In, { address: 0x27, pins: [0, 1, 2, 15] }), ctx);
  await driver.start();
  await driver.stop();
  assert.deepEqual(bus.ops.filter((o) => o.op === 'readRegister').map((o) => (o as { register: number }).register), [0x00, 0x0c, 0x04, 0x14, 0x12]);
  // Mask 0x8007: GPA0-2 and GPB7.
  assert.deepEqual(bus.writes, [[0x0a, 0x40], [0x0c, 0x07, 0x80], [0x08, 0, 0], [0x00, 0xff, 0xff], [0x04, 0, 0]]);
  assert.deepEqual(ctx.emitted, [{ p0: 'OFF', p1: 'ON', p2: 'OFF', p15: 'OFF' }]);
});

test('mcp23017-in: pull_up false clears GPPU bits; int_pin enables GPINTEN for the listed pins', async () => {
  const bus = loggingBus((op) => (op.op === 'readRegister' && op.register === 0x0c ? [0xff, 0xff] : undefined));
  const gpio = { open: async () => ({ pin: 24, read: async () => 1 as const, write: async () => {}, watch: () => () => {}, close: async () => {} }) };
  const driver = mcp23017In.create(optionsFor(mcp23017In, { pins: [8, 9], pull_up: false, int_pin: 24 }), inputContext(fakeHardware({ i2c: async () => bus, gpio })));
  await driver.start();
  await driver.stop();
  assert.deepEqual(bus.writes.find((w) => w[0] === 0x0c), [0x0c, 0xff, 0xfc]);
  assert.deepEqual(bus.writes.find((w) => w[0] === 0x04), [0x04, 0x00, 0x03]);
});

test('mcp23017-in: polling through the sim model publishes on change only', async () => {
  const hw = createSimHardware();
  const options = optionsFor(mcp23017In, { interval: '10ms', invert: true, pins: [0, 9] }, 'loops');
  const device = attachScheme(hw, 'loops', 'mcp23017-in', options) as Mcp23017InputPins;
  const ctx = inputContext(hw, 'loops');
  const driver = mcp23017In.create(options, ctx);
  await driver.start();
  assert.deepEqual(ctx.emitted, [{ p0: 'OFF', p9: 'OFF' }], 'pulled up, inverted to OFF');
  await sleep(40);
  assert.equal(ctx.emitted.length, 1);
  device.set({ p9: 0, p3: 0 });
  await sleep(40);
  assert.deepEqual(ctx.emitted, [{ p0: 'OFF', p9: 'OFF' }, { p0: 'OFF', p9: 'ON' }], 'p3 is not listed: no reading for it');
  await driver.stop();
});

test('mcp23017-in: with int_pin, INT edges are read through INTCAP and GPIO; a press shorter than the read is still published', async () => {
  const hw = createSimHardware();
  const options = optionsFor(mcp23017In, { address: 0x21, pins: [0, 8], invert: true, int_pin: 24 }, 'doors');
  const device = attachScheme(hw, 'doors', 'mcp23017-in', options) as Mcp23017InputPins;
  const ctx = inputContext(hw, 'doors');
  const driver = mcp23017In.create(options, ctx);
  await driver.start();
  await settle();
  assert.deepEqual(ctx.emitted, [{ p0: 'OFF', p8: 'OFF' }]);
  device.set({ p8: 0 });
  await settle();
  assert.deepEqual(ctx.emitted.at(-1), { p0: 'OFF', p8: 'ON' });
  assert.equal(device.state().int, 1, 'the read released INT');
  // Pressed and released before the driver reads: INTCAP holds the press.
  device.set({ p0: 0 });
  device.set({ p0: 1 });
  await settle();
  assert.deepEqual(ctx.emitted.slice(2), [{ p0: 'ON', p8: 'ON' }, { p0: 'OFF', p8: 'ON' }]);
  await driver.stop();
  const count = ctx.emitted.length;
  device.set({ p8: 1 });
  await settle();
  assert.equal(ctx.emitted.length, count, 'nothing after stop');
  device.set({ fail: true });
  await assert.rejects(driver.start(), { code: 'EREMOTEIO' });
});
