import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { SimI2cBus, type I2cChip } from '../../../src/hardware/sim/i2c.js';

/** A chip with an auto-incrementing register pointer, enough to watch the bus. */
class Registers implements I2cChip {
  readonly regs = new Uint8Array(256).map((_, i) => i);
  pointer = 0;
  failing = false;
  write(data: Buffer): void {
    this.pointer = data[0]!;
    data.subarray(1).forEach((v, i) => (this.regs[(this.pointer + i) & 0xff] = v));
  }
  read(length: number): Buffer {
    const out = Buffer.from(this.regs.subarray(this.pointer, this.pointer + length));
    this.pointer += length;
    return out;
  }
}

test('an address with no chip, or a failing chip, is a remote I/O error', async () => {
  const bus = new SimI2cBus(1);
  await assert.rejects(bus.read(0x40, 1), { code: 'EREMOTEIO', message: /Remote I\/O error/ });
  const chip = new Registers();
  bus.place(0x40, chip);
  assert.deepEqual([...(await bus.readRegister(0x40, 0x10, 3))], [0x10, 0x11, 0x12]);
  chip.failing = true;
  await assert.rejects(bus.readRegister(0x40, 0x10, 1), { code: 'EREMOTEIO' });
  await assert.rejects(bus.write(0x40, Buffer.from([1, 2])), { code: 'EREMOTEIO' });
  assert.deepEqual(await bus.scan(), []);
  chip.failing = false;
  assert.deepEqual(await bus.scan(), [0x40]);
});

test('exclusive keeps other callers off the bus until it is done', async () => {
  const bus = new SimI2cBus(1);
  const chip = new Registers();
  bus.place(0x50, chip);
  const order: string[] = [];
  const held = bus.exclusive(async (b) => {
    await b.write(0x50, Buffer.from([0x20]));
    order.push('pointer set');
    await sleep(20);
    const [v] = await b.read(0x50, 1); // would read 0x80 if the other caller got in between
    order.push(`read ${v!.toString(16)}`);
  });
  const other = bus.readRegister(0x50, 0x80, 1).then(() => order.push('other'));
  await Promise.all([held, other]);
  assert.deepEqual(order, ['pointer set', 'read 20', 'other']);
});
