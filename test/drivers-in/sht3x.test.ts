import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sht3x, sht3xConvert, sht3xWords } from '../../src/drivers-in/sht3x.js';
import { crc8Sensirion } from '../../src/hardware/datasheets/crc8.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import type { Sht3xChip } from '../../src/hardware/sim/chips/sht3x.js';
import { fakeHardware, inputContext, optionsFor } from './context.js';
import { loggingBus, remoteIo } from './i2c-log.js';
import { attachScheme } from '../hardware/sim/attach.js';

/** A word as the chip sends it: MSB, LSB, CRC. */
const word = (v: number) => [v >> 8, v & 0xff, crc8Sensirion([v >> 8, v & 0xff])];

test('crc-8: the SHT3x datasheet 4.12 example, 0xBEEF → 0x92', () => {
  assert.equal(crc8Sensirion([0xbe, 0xef]), 0x92);
  // Initial value 0xFF: two zero bytes do not give zero.
  assert.equal(crc8Sensirion([0x00, 0x00]), 0x81);
});

test('conversion: datasheet 4.13 at the ends and the middle of the range', () => {
  assert.deepEqual(sht3xConvert(0, 0), { temperature: -45, humidity: 0 });
  assert.deepEqual(sht3xConvert(65535, 65535), { temperature: 130, humidity: 100 });
  // 0x6666 is 2/5 of 0xFFFF: -45 + 175 × 0.4 = 25 °C exactly.
  const mid = sht3xConvert(0x6666, 0x8000);
  assert.ok(Math.abs(mid.temperature - 25) < 1e-9);
  assert.ok(Math.abs(mid.humidity - 50.00076) < 1e-5);
});

/** A bus at 0x44 that answers the status read and then `frame` for each measurement. */
function sht3xBus(frame: number[], opts: { notReadyFor?: number } = {}) {
  let notReady = opts.notReadyFor ?? 0;
  return loggingBus((op, ops) => {
    if (op.op !== 'read') return undefined;
    const command = ops.findLast((o) => o.op === 'write');
    if (command?.op === 'write' && command.data[0] === 0xf3) return word(0x0010); // status after reset
    if (notReady-- > 0) throw remoteIo(); // NACK while measuring (4.4)
    return frame;
  });
}

test('sht3x: soft reset, CRC-checked status, then single shot 0x2400 and a 6-byte read', async () => {
  const bus = sht3xBus([...word(0x6666), ...word(0x8000)]);
  const driver = sht3x.create(optionsFor(sht3x, {}), inputContext(fakeHardware({ i2c: async () => bus })));
  await driver.start();
  assert.deepEqual(await driver.read!(), { temperature: 25, humidity: 50 });
  assert.deepEqual(bus.writes, [[0x30, 0xa2], [0xf3, 0x2d], [0x24, 0x00]]);
  assert.deepEqual(bus.ops.at(-1), { op: 'read', address: 0x44, length: 6 });
});

test('sht3x: a CRC failure on either word is a failed read, never a value', async () => {
  const good = [...word(0x6666), ...word(0x8000)];
  for (const [i, what] of [[2, 'temperature'], [5, 'humidity']] as const) {
    const frame = [...good];
    frame[i] ^= 0x01;
    const driver = sht3x.create(optionsFor(sht3x, {}), inputContext(fakeHardware({ i2c: async () => sht3xBus(frame) })));
    await driver.start();
    await assert.rejects(driver.read!(), new RegExp(`SHT3x ${what} word .* failed its CRC check`));
  }
  // A flipped data bit is caught the same way as a flipped CRC bit.
  const flipped = [...good];
  flipped[0] ^= 0x80;
  assert.throws(() => sht3xWords(Buffer.from(flipped), ['temperature', 'humidity']), /temperature word 0xe666 failed/);
  // A status word with a bad CRC at start means this is not an SHT3x answering.
  const bad = loggingBus((op) => (op.op === 'read' ? [0x00, 0x10, 0x00] : undefined));
  await assert.rejects(sht3x.create(optionsFor(sht3x, {}), inputContext(fakeHardware({ i2c: async () => bad }))).start(), /status word .* failed its CRC/);
});

test('sht3x: a read NACKed while the sensor still measures is retried; low repeatability uses 0x2416', async () => {
  const bus = sht3xBus([...word(0), ...word(0xffff)], { notReadyFor: 2 });
  const driver = sht3x.create(optionsFor(sht3x, { repeatability: 'low', address: 0x45 }), inputContext(fakeHardware({ i2c: async () => bus })));
  await driver.start();
  assert.deepEqual(await driver.read!(), { temperature: -45, humidity: 100 });
  assert.deepEqual(bus.writes.at(-1), [0x24, 0x16]);
  const never = sht3xBus([], { notReadyFor: 99 });
  const stuck = sht3x.create(optionsFor(sht3x, {}), inputContext(fakeHardware({ i2c: async () => never })));
  await stuck.start();
  await assert.rejects(stuck.read!(), { code: 'EREMOTEIO' });
});

test('sht3x: round trip through the sim model, a corrupted frame and a failing chip', async () => {
  const hw = createSimHardware();
  const options = optionsFor(sht3x, { address: 0x45 });
  const device = attachScheme(hw, 'bedroom', 'sht3x', options) as Sht3xChip;
  const driver = sht3x.create(options, inputContext(hw, 'bedroom'));
  await driver.start();
  for (const q of [{ temperature: 22.4, humidity: 41.3 }, { temperature: -12.75, humidity: 93.1 }, { temperature: 80, humidity: 0 }]) {
    device.set(q);
    const r = await driver.read!();
    // One tick is 175/65535 ≈ 0.0027 °C and 0.0015 %RH; the driver rounds to 0.01.
    assert.ok(Math.abs((r.temperature as number) - q.temperature) <= 0.01, `temperature ${r.temperature} for ${q.temperature}`);
    assert.ok(Math.abs((r.humidity as number) - q.humidity) <= 0.01, `humidity ${r.humidity} for ${q.humidity}`);
  }
  device.corruptNextReading();
  await assert.rejects(driver.read!(), /CRC check/);
  assert.equal((await driver.read!()).temperature, 80, 'the next frame is clean again');
  device.set({ fail: true });
  await assert.rejects(driver.read!(), { code: 'EREMOTEIO' });
  assert.throws(() => device.set({ pressure: 1000 }), /sht3x sim: unknown key 'pressure'; expected temperature, humidity, fail/);
});
