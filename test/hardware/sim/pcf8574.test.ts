import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pcf8574Chip } from '../../../src/hardware/sim/chips/pcf8574.js';
import { createSimHardware } from '../../../src/hardware/sim/index.js';
import { attachScheme } from './attach.js';

test('pcf8574 chip: power-on latch 0xFF; a pin reads low when latched low or pulled low outside (quasi-bidirectional I/O)', () => {
  const chip = new Pcf8574Chip();
  assert.equal(chip.read(1)[0], 0xff);
  chip.write(Buffer.from([0b1111_0000]));
  assert.equal(chip.read(1)[0], 0b1111_0000);
  chip.drive(7, 0); // a switch to ground on P7, latched high: reads low
  chip.drive(0, 1); // the outside cannot pull up a pin the chip drives low
  assert.equal(chip.read(1)[0], 0b0111_0000);
  assert.deepEqual([...chip.read(2)], [0x70, 0x70], 'every byte of a read is the port');
  chip.write(Buffer.from([0x01, 0x02, 0x03]));
  assert.equal(chip.latch, 0x03, 'several bytes in one write are latched in turn');
  assert.deepEqual(chip.writes, [0xf0, 0x01, 0x02, 0x03]);
});

test('pcf8574 chip: INT is asserted when an input changes and released by the next read or write', async () => {
  const chip = new Pcf8574Chip();
  const seen: boolean[] = [];
  chip.onInterrupt((a) => seen.push(a));
  chip.drive(2, 0);
  assert.equal(chip.interrupt, true);
  chip.drive(2, 1); // back to what was last read: released (datasheet: data back to the original setting)
  assert.equal(chip.interrupt, false);
  chip.drive(3, 0);
  chip.read(1);
  assert.equal(chip.interrupt, false);
  chip.drive(3, 1);
  chip.write(Buffer.from([0xff]));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(seen, [true, false, true, false, true, false]);
});

test('pcf8574 chip: schemes on one address share one model; another kind of device there is refused', () => {
  const hw = createSimHardware();
  const a = attachScheme(hw, 'r0', 'pcf8574-out', { bus: 1, address: 0x21, pin: 0 }) as unknown as { chip: Pcf8574Chip };
  const b = attachScheme(hw, 'r1', 'pcf8574-out', { bus: 1, address: 0x21, pin: 1 }) as unknown as { chip: Pcf8574Chip };
  assert.equal(a.chip, b.chip);
  attachScheme(hw, 'air', 'bme280', { bus: 1, address: 0x20 });
  assert.throws(() => attachScheme(hw, 'r2', 'pcf8574-out', { bus: 1, address: 0x20, pin: 2 }), /already holds a different device/);
});
