import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scd4x, scd4xCommand, scd4xMeasurement } from '../../src/drivers-in/scd4x.js';
import { crc8Sensirion } from '../../src/hardware/datasheets/crc8.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import type { Scd4xChip } from '../../src/hardware/sim/chips/scd4x.js';
import { fakeHardware, inputContext, optionsFor } from './context.js';
import { loggingBus } from './i2c-log.js';
import { attachScheme } from '../hardware/sim/attach.js';

// SCD4x datasheet 3.5.2, the read_measurement example: 500 ppm, 25 °C, 37 %RH.
const EXAMPLE = [0x01, 0xf4, 0x33, 0x66, 0x67, 0xa2, 0x5e, 0xb9, 0x3c];
const word = (v: number) => [v >> 8, v & 0xff, crc8Sensirion([v >> 8, v & 0xff])];

test('scd4x: the datasheet read_measurement example, CRCs included', () => {
  const v = scd4xMeasurement(Buffer.from(EXAMPLE));
  assert.equal(v.co2, 500);
  assert.ok(Math.abs(v.temperature - 25) < 0.002, `temperature ${v.temperature}`);
  assert.ok(Math.abs(v.humidity - 37) < 0.002, `humidity ${v.humidity}`);
  const bad = Buffer.from(EXAMPLE);
  bad[4] ^= 0x10;
  assert.throws(() => scd4xMeasurement(bad), /SCD4x temperature word 0x6677 failed its CRC check \(got 0xa2/);
});

test('scd4x: the datasheet set_sensor_altitude example, 1950 m → 0x2427 0x079E 0x09', () => {
  assert.deepEqual([...scd4xCommand(0x2427, 1950)], [0x24, 0x27, 0x07, 0x9e, 0x09]);
  assert.deepEqual([...scd4xCommand(0x21b1)], [0x21, 0xb1]);
});

test('scd4x: stop, altitude, start at start; waits for data-ready, then reads 9 bytes; stops on stop', async () => {
  let notReady = 1;
  const bus = loggingBus((op, ops) => {
    if (op.op !== 'read') return undefined;
    const last = ops.findLast((o) => o.op === 'write');
    if (last?.op === 'write' && last.data[0] === 0xe4) return word(notReady-- > 0 ? 0x8000 : 0x8006);
    return EXAMPLE;
  });
  const driver = scd4x.create(optionsFor(scd4x, { altitude: 1950, ambient_pressure: 987 }), inputContext(fakeHardware({ i2c: async () => bus })));
  await driver.start();
  assert.deepEqual(bus.writes, [[0x3f, 0x86], [0x24, 0x27, 0x07, 0x9e, 0x09], [0x21, 0xb1], [...scd4xCommand(0xe000, 987)]]);
  assert.deepEqual(await driver.read!(), { co2: 500, temperature: 25, humidity: 37 });
  assert.deepEqual(bus.writes.slice(4), [[0xe4, 0xb8], [0xe4, 0xb8], [0xec, 0x05]], 'data-ready asked until ready, then read_measurement');
  assert.deepEqual(bus.ops.at(-1), { op: 'read', address: 0x62, length: 9 });
  await driver.stop();
  assert.deepEqual(bus.writes.at(-1), [0x3f, 0x86]);
});

test('scd4x: a data-ready word with a bad CRC fails the read', async () => {
  const bus = loggingBus((op) => (op.op === 'read' ? [0x80, 0x06, 0x00] : undefined));
  const driver = scd4x.create(optionsFor(scd4x, {}), inputContext(fakeHardware({ i2c: async () => bus })));
  await driver.start();
  await assert.rejects(driver.read!(), /SCD4x data-ready status word 0x8006 failed its CRC check/);
});

test('scd4x: round trip through the sim model, compensation settings reach the chip', async () => {
  const hw = createSimHardware();
  const options = optionsFor(scd4x, { altitude: 420, ambient_pressure: 1002 });
  const chip = attachScheme(hw, 'office', 'scd4x', options) as Scd4xChip;
  const driver = scd4x.create(options, inputContext(hw, 'office'));
  await driver.start();
  assert.equal(chip.altitude, 420);
  assert.equal(chip.pressure, 1002);
  assert.equal(chip.periodic, true);
  chip.set({ co2: 1234, temperature: 23.4, humidity: 51.2 });
  const r = await driver.read!();
  assert.equal(r.co2, 1234);
  assert.ok(Math.abs((r.temperature as number) - 23.4) <= 0.01, `temperature ${r.temperature}`);
  assert.ok(Math.abs((r.humidity as number) - 51.2) <= 0.01, `humidity ${r.humidity}`);
  await driver.stop();
  assert.equal(chip.periodic, false, 'stop_periodic_measurement on stop');
  assert.throws(() => chip.set({ pressure: 1000 }), /scd4x sim: unknown key 'pressure'; expected co2, temperature, humidity, fail/);
});
