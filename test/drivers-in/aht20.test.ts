import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aht20, aht20Frame } from '../../src/drivers-in/aht20.js';
import { aht20Convert } from '../../src/hardware/datasheets/aht20.js';
import { crc8Sensirion } from '../../src/hardware/datasheets/crc8.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import type { Aht20Chip } from '../../src/hardware/sim/chips/aht20.js';
import { fakeHardware, inputContext, optionsFor } from './context.js';
import { loggingBus } from './i2c-log.js';
import { attachScheme } from '../hardware/sim/attach.js';

// Status 0x1C (idle, calibrated), S_RH = 0x80000 (half of 2^20), S_T = 0x60000 (3/8 of 2^20).
const FRAME = [0x1c, 0x80, 0x00, 0x06, 0x00, 0x00, 0x4e];

test('aht20: CRC-8 (poly 0x31, init 0xFF) over the status and data bytes', () => {
  assert.equal(crc8Sensirion(FRAME.slice(0, 6)), 0x4e);
  assert.equal(crc8Sensirion([0xbe, 0xef]), 0x92);
});

test('aht20: datasheet 6.1/6.2 conversion at the ends and the middle', () => {
  assert.deepEqual(aht20Convert(0, 0), { humidity: 0, temperature: -50 });
  assert.deepEqual(aht20Convert(0x80000, 0x60000), { humidity: 50, temperature: 25 });
  assert.deepEqual(aht20Frame(Buffer.from(FRAME)), { humidity: 50, temperature: 25 });
  const bad = Buffer.from(FRAME);
  bad[4] ^= 0x01;
  assert.throws(() => aht20Frame(bad), /AHT20 frame 1c8000060100 failed its CRC check \(got 0x4e, expected 0x/);
  assert.throws(() => aht20Frame(Buffer.from(FRAME.slice(0, 6))), /answered 6 bytes, expected 7/);
});

test('aht20: an uncalibrated chip is sent 0xBE, then each read triggers 0xAC 0x33 0x00 and reads 7 bytes', async () => {
  let calibrated = false;
  let busyReads = 1;
  const bus = loggingBus((op) => {
    if (op.op === 'write' && op.data[0] === 0xbe) calibrated = true;
    if (op.op !== 'read') return undefined;
    if (op.length === 1) return [calibrated ? 0x18 : 0x10];
    if (busyReads-- > 0) return [0x98]; // still measuring: bit 7
    return FRAME;
  });
  const driver = aht20.create(optionsFor(aht20, {}), inputContext(fakeHardware({ i2c: async () => bus })));
  await driver.start();
  assert.deepEqual(await driver.read!(), { temperature: 25, humidity: 50 });
  assert.deepEqual(bus.writes, [[0x71], [0xbe, 0x08, 0x00], [0x71], [0xac, 0x33, 0x00]]);
  assert.deepEqual(bus.ops.filter((o) => o.op === 'read').map((o) => (o as { length: number }).length), [1, 1, 7, 7]);
});

test('aht20: a chip that never calibrates, or stays busy, is a clear failure', async () => {
  const never = loggingBus((op) => (op.op === 'read' ? [0x10] : undefined));
  await assert.rejects(aht20.create(optionsFor(aht20, {}), inputContext(fakeHardware({ i2c: async () => never }))).start(), /AHT20 at 0x38 on bus 1 did not load its calibration \(status 0x10, expected bit 3 set\)/);
  const busy = loggingBus((op) => (op.op === 'read' ? [0x98] : undefined));
  const driver = aht20.create(optionsFor(aht20, {}), inputContext(fakeHardware({ i2c: async () => busy })));
  await driver.start();
  await assert.rejects(driver.read!(), /still busy 130 ms after the trigger/);
});

test('aht20: round trip through the sim model, a corrupted frame and a failing chip', async () => {
  const hw = createSimHardware();
  const options = optionsFor(aht20, {});
  const chip = attachScheme(hw, 'attic', 'aht20', options) as Aht20Chip;
  assert.equal(chip.calibrated, false);
  const driver = aht20.create(options, inputContext(hw, 'attic'));
  await driver.start();
  assert.equal(chip.calibrated, true, 'the driver loaded the calibration');
  for (const q of [{ temperature: 22.4, humidity: 41.3 }, { temperature: -12.75, humidity: 93.1 }]) {
    chip.set(q);
    const r = await driver.read!();
    assert.ok(Math.abs((r.temperature as number) - q.temperature) <= 0.01, `temperature ${r.temperature} for ${q.temperature}`);
    assert.ok(Math.abs((r.humidity as number) - q.humidity) <= 0.01, `humidity ${r.humidity} for ${q.humidity}`);
  }
  chip.corruptNextReading();
  await assert.rejects(driver.read!(), /CRC check/);
  chip.set({ fail: true });
  await assert.rejects(driver.read!(), { code: 'EREMOTEIO' });
});
