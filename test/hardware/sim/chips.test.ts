import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Bme280Chip } from '../../../src/hardware/sim/chips/bme280.js';
import { Mcp3008Chip } from '../../../src/hardware/sim/chips/mcp3008.js';
import { Ds18b20Chip } from '../../../src/hardware/sim/chips/ds18b20.js';
import { crc8Dallas as crc8 } from '../../../src/hardware/datasheets/crc8.js';

const reg = (chip: Bme280Chip, register: number, length = 1) => {
  chip.write(Buffer.from([register]));
  return chip.read(length);
};

test('bme280 chip: id, reset values, measuring bit while a forced measurement runs, back to sleep', async () => {
  const chip = new Bme280Chip();
  assert.equal(reg(chip, 0xd0)[0], 0x60);
  assert.deepEqual([...reg(chip, 0xf7, 8)], [0x80, 0, 0, 0x80, 0, 0, 0x80, 0]);
  chip.write(Buffer.from([0xf2, 0x01, 0xf4, 0x25])); // register/value pairs in one write
  assert.equal(reg(chip, 0xf2)[0], 0x01);
  assert.equal(reg(chip, 0xf3)[0]! & 0x08, 0x08, 'measuring right after the trigger');
  await sleep(15);
  assert.equal(reg(chip, 0xf3)[0]! & 0x08, 0);
  assert.equal(reg(chip, 0xf4)[0]! & 0x03, 0, 'forced mode returns to sleep');
  assert.notDeepEqual([...reg(chip, 0xf7, 8)], [0x80, 0, 0, 0x80, 0, 0, 0x80, 0]);
  chip.write(Buffer.from([0xe0, 0xb6]));
  assert.equal(reg(chip, 0xf4)[0], 0, 'soft reset clears ctrl_meas');
  assert.deepEqual([...reg(chip, 0xf7, 8)], [0x80, 0, 0, 0x80, 0, 0, 0x80, 0]);
});

test('bme280 chip: humidity stays at its reset value when ctrl_hum skips it', async () => {
  const chip = new Bme280Chip();
  chip.write(Buffer.from([0xf2, 0x00, 0xf4, 0x25]));
  await sleep(12);
  const data = reg(chip, 0xf7, 8);
  assert.deepEqual([...data.subarray(6)], [0x80, 0x00]);
  assert.notEqual(data[3], 0x80);
});

/** Shifts `bits` (a string of 0/1) into the chip, padded to whole bytes, and returns the bits out. */
function clock(chip: Mcp3008Chip, bits: string): string {
  const padded = bits.padEnd(Math.ceil(bits.length / 8) * 8, '0');
  const tx = Buffer.from(padded.match(/.{8}/g)!.map((b) => Number.parseInt(b, 2)));
  return [...chip.transfer(tx)].map((b) => b.toString(2).padStart(8, '0')).join('');
}

test('mcp3008 chip: answers the frame at any alignment, MSB first then LSB first (datasheet figures 5-1, 5-2)', () => {
  const chip = new Mcp3008Chip();
  chip.vref = 3.3;
  chip.voltages[3] = 2.0; // 1024 * 2.0 / 3.3 = 620.6 → 621 = 0b1001101101
  assert.equal(chip.convert(true, 3), 621);
  // Standard 3-byte frame: 7 leading zeros, start, SGL=1, D=011.
  const out = clock(chip, '00000001' + '10110000' + '00000000');
  assert.equal(out.slice(13, 24), '0' + '1001101101'); // null bit, then B9..B0
  // No leading zeros and a 4-byte frame: the LSB-first copy follows B0.
  const out2 = clock(chip, '11011' + '0'.repeat(27));
  assert.equal(out2.slice(6, 26), '0' + '1001101101' + '011011001'); // then B1..B9
});

test('mcp3008 chip: differential pairs per table 5-2, negative difference reads 0', () => {
  const chip = new Mcp3008Chip();
  chip.vref = 3.3;
  chip.voltages[4] = 2.0;
  chip.voltages[5] = 0.35;
  assert.equal(chip.convert(false, 4), Math.round(1.65 / 3.3 * 1024));
  assert.equal(chip.convert(false, 5), 0);
  chip.voltages[0] = 5;
  assert.equal(chip.convert(true, 0), 1023, 'clamped to 10 bits');
});

test('ds18b20 chip: scratchpad encodes the datasheet table 1 examples with a valid CRC', () => {
  const chip = new Ds18b20Chip('28-000000000001');
  // Datasheet table 1 "Temperature/data relationship".
  const table: [number, number][] = [[125, 0x07d0], [25.0625, 0x0191], [0.5, 0x0008], [0, 0x0000], [-10.125, 0xff5e], [-55, 0xfc90]];
  for (const [celsius, word] of table) {
    chip.set({ temperature: celsius });
    const pad = chip.scratchpad();
    assert.equal(pad[0]! | (pad[1]! << 8), word, `${celsius} °C`);
    assert.equal(crc8(pad), 0, 'CRC over all nine bytes is zero');
  }
  chip.set({ temperature: -10.125 });
  assert.match(chip.w1Slave(), /^5e ff 4b 46 7f ff 02 10 ([0-9a-f]{2}) : crc=\1 YES\n5e ff 4b 46 7f ff 02 10 \1 t=-10125\n$/);
  chip.set({ fail: true });
  assert.match(chip.w1Slave(), /^ff ff ff ff ff ff ff ff ff : crc=c9 NO\n.* t=-62\n$/);
});
