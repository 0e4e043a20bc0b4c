import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bh1750, bh1750Lux, mtregInstructions } from '../../src/drivers-in/bh1750.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import type { Bh1750Chip } from '../../src/hardware/sim/chips/bh1750.js';
import { fakeHardware, inputContext, optionsFor } from './context.js';
import { loggingBus } from './i2c-log.js';
import { attachScheme } from '../hardware/sim/attach.js';

test('lux: the datasheet example (p.7), 1000_0011_1001_0000 in H-resolution mode ≈ 28067 lx', () => {
  // (2^15 + 2^9 + 2^8 + 2^7 + 2^4) / 1.2 = 33680 / 1.2
  assert.equal(0x8390, 2 ** 15 + 2 ** 9 + 2 ** 8 + 2 ** 7 + 2 ** 4);
  assert.equal(Math.round(bh1750Lux(0x8390, 'high')), 28067);
});

test('lux: MTreg and H-resolution mode 2 scale the count (p.11)', () => {
  // lx per count = 1/1.2 × 69/MTreg, × 1/2 in mode 2.
  assert.equal(bh1750Lux(120, 'high', 138), 50);
  assert.equal(bh1750Lux(120, 'high2', 69), 50);
  assert.equal(bh1750Lux(120, 'high2', 138), 25);
  assert.equal(bh1750Lux(120, 'low', 69), 100);
  assert.ok(Math.abs(bh1750Lux(1, 'high2', 254) - 0.1132) < 1e-4, 'the finest step: 0.11 lx');
});

test('MTreg instructions: 01000_MT[7:5] then 011_MT[4:0] (p.11)', () => {
  assert.deepEqual(mtregInstructions(69), [0x42, 0x65]); // 69 = 010_00101, the default
  assert.deepEqual(mtregInstructions(31), [0x40, 0x7f]);
  assert.deepEqual(mtregInstructions(254), [0x47, 0x7e]);
});

test('bh1750: one-time mode powers on and triggers at every read, then reads two bytes', async () => {
  const bus = loggingBus((op) => (op.op === 'read' ? [0x83, 0x90] : undefined));
  const driver = bh1750.create(optionsFor(bh1750, { resolution: 'low' }), inputContext(fakeHardware({ i2c: async () => bus })));
  await driver.start();
  assert.deepEqual(bus.writes, [[0x01], [0x42], [0x65]]);
  assert.deepEqual(await driver.read!(), { illuminance: 28066.67 });
  // Power on, One Time L-Resolution Mode (0010_0011), each its own one-byte transaction.
  assert.deepEqual(bus.writes.slice(3), [[0x01], [0x23]]);
  assert.deepEqual(bus.ops.at(-1), { op: 'read', address: 0x23, length: 2 });
});

test('bh1750: continuous mode sends the mode once at start; reads are a plain 2-byte read', async () => {
  const bus = loggingBus((op) => (op.op === 'read' ? [0x00, 0x78] : undefined));
  const options = optionsFor(bh1750, { mode: 'continuous', resolution: 'high2', mtreg: 31, address: 0x5c });
  const driver = bh1750.create(options, inputContext(fakeHardware({ i2c: async () => bus })));
  await driver.start();
  assert.deepEqual(bus.writes, [[0x01], [0x40], [0x7f], [0x11]]);
  // 120 / 1.2 × 69/31 / 2
  assert.deepEqual(await driver.read!(), { illuminance: 111.29 });
  assert.equal(bus.writes.length, 4, 'nothing written per read');
});

test('bh1750: round trip through the sim, both modes', async () => {
  const hw = createSimHardware();
  for (const [i, raw] of [{ mode: 'one-time', resolution: 'low' }, { mode: 'continuous', resolution: 'high2', mtreg: 138 }].entries()) {
    const id = `light-${i}`;
    const options = optionsFor(bh1750, { ...raw, address: i ? 0x5c : 0x23 }, id);
    const device = attachScheme(hw, id, 'bh1750', options) as Bh1750Chip;
    const driver = bh1750.create(options, inputContext(hw, id));
    await driver.start();
    // H2 at MTreg 138 counts 4.8 per lx and saturates at 65535 / 4.8 ≈ 13653 lx, as the chip does.
    for (const lux of raw.mode === 'one-time' ? [0, 12.5, 850, 40_000] : [0, 12.5, 850, 13_000]) {
      device.set({ illuminance: lux });
      if (raw.mode === 'continuous') await new Promise((r) => setTimeout(r, 250)); // next measurement at MTreg 138
      const { illuminance } = await driver.read!();
      // Half a count of the mode: 1/1.2/2 lx in L, 1/1.2 × 69/138 / 2 / 2 lx in H2 at MTreg 138.
      const halfCount = raw.resolution === 'low' ? 0.42 : 0.11;
      assert.ok(Math.abs((illuminance as number) - lux) <= halfCount, `${raw.mode}: set ${lux}, read ${illuminance}`);
    }
    if (raw.mode === 'one-time') assert.equal(device.state().powered, false, 'one-time mode leaves the chip powered down');
    await driver.stop();
  }
});

test('bh1750: schema limits', () => {
  assert.deepEqual(bh1750.schema.parse({}), { bus: 1, address: 0x23, mode: 'one-time', resolution: 'high', mtreg: 69, interval: 30_000 });
  assert.throws(() => bh1750.schema.parse({ mtreg: 30 }));
  assert.throws(() => bh1750.schema.parse({ mtreg: 255 }));
  assert.throws(() => bh1750.schema.parse({ address: 0x24 }), /0x23, 0x5c/);
});
