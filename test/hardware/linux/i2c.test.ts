import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { LinuxI2cBus, openLinuxI2c, type RawI2c } from '../../../src/hardware/linux/i2c.js';
import { fixtureRoots } from './helpers.js';

/** A raw bus whose device at 0x76 returns register numbers as data, and that logs every call. */
class FakeRaw implements RawI2c {
  calls: string[] = [];
  active = 0;
  overlapped = false;
  async #op<T>(name: string, result: T): Promise<T> {
    this.active++;
    if (this.active > 1) this.overlapped = true;
    this.calls.push(name);
    await sleep(2);
    this.active--;
    return result;
  }
  i2cWrite(address: number, length: number, buffer: Buffer) {
    return this.#op(`write ${address.toString(16)} ${buffer.subarray(0, length).toString('hex')}`, { bytesWritten: length, buffer });
  }
  i2cRead(address: number, length: number, buffer: Buffer) {
    buffer.fill(0xab, 0, length);
    return this.#op(`read ${address.toString(16)} ${length}`, { bytesRead: length, buffer });
  }
  readI2cBlock(address: number, command: number, length: number, buffer: Buffer) {
    for (let i = 0; i < length; i++) buffer[i] = command + i;
    return this.#op(`block ${address.toString(16)} ${command.toString(16)} ${length}`, { bytesRead: length, buffer });
  }
  scan() {
    return this.#op('scan', [0x3c, 0x76]);
  }
  close() {
    return this.#op('close', undefined);
  }
}

test('a missing /dev/i2c-N says how to enable I2C', async () => {
  const { dev } = fixtureRoots('pi3');
  await assert.rejects(
    openLinuxI2c(3, { devRoot: dev, open: async () => new FakeRaw() }),
    { message: `${dev}/i2c-3 does not exist: enable I2C with raspi-config or dtparam=i2c_arm=on` },
  );
});

test('an existing node is opened through the opener; i2c-bus itself is never pointed at a fixture tree', async () => {
  const { dev } = fixtureRoots('pi4-k6.6');
  const opened: number[] = [];
  const bus = await openLinuxI2c(20, { devRoot: dev, open: async (n) => (opened.push(n), new FakeRaw()) });
  assert.equal(bus.bus, 20);
  assert.deepEqual(opened, [20]);
  await assert.rejects(openLinuxI2c(1, { devRoot: dev }), /i2c-bus can only open devices under \/dev/);
});

test('readRegister uses one block read up to 32 bytes, and write-then-read beyond', async () => {
  const raw = new FakeRaw();
  const bus = new LinuxI2cBus(1, raw);
  assert.deepEqual([...(await bus.readRegister(0x76, 0xd0, 2))], [0xd0, 0xd1]);
  assert.equal((await bus.readRegister(0x76, 0x88, 32)).length, 32);
  const long = await bus.readRegister(0x76, 0x00, 40);
  assert.equal(long.length, 40);
  assert.deepEqual(raw.calls, ['block 76 d0 2', 'block 76 88 32', 'write 76 00', 'read 76 40']);
});

test('write, read and scan reach the adapter', async () => {
  const raw = new FakeRaw();
  const bus = new LinuxI2cBus(1, raw);
  await bus.write(0x76, Buffer.from([0xf4, 0x27]));
  assert.deepEqual([...(await bus.read(0x76, 3))], [0xab, 0xab, 0xab]);
  assert.deepEqual(await bus.scan(), [0x3c, 0x76]);
  assert.deepEqual(raw.calls, ['write 76 f427', 'read 76 3', 'scan']);
});

test('concurrent calls never overlap, and exclusive keeps its steps together', async () => {
  const raw = new FakeRaw();
  const bus = new LinuxI2cBus(1, raw);
  await Promise.all([
    bus.exclusive(async (held) => {
      await held.write(0x76, Buffer.from([0xf4, 0x25])); // start a forced measurement
      await sleep(5);
      await held.exclusive((again) => again.readRegister(0x76, 0xf7, 8)); // nested: must not deadlock
    }),
    bus.readRegister(0x3c, 0x00, 1),
    bus.write(0x48, Buffer.from([0x01])),
  ]);
  assert.equal(raw.overlapped, false);
  assert.deepEqual(raw.calls, ['write 76 f425', 'block 76 f7 8', 'block 3c 0 1', 'write 48 01']);
});

test('short transfers and bad arguments are errors', async () => {
  const raw = new FakeRaw();
  raw.i2cRead = async (_a, length, buffer) => ({ bytesRead: length - 1, buffer });
  const bus = new LinuxI2cBus(1, raw);
  await assert.rejects(bus.read(0x76, 4), /short I2C read from 0x76 on bus 1: 3 of 4 bytes/);
  // Rejections, not synchronous throws: callers may only attach .catch().
  await assert.rejects(bus.read(0x80, 1), /invalid I2C address/);
  await assert.rejects(bus.readRegister(0x76, 0x100, 1), /invalid I2C register/);
  await assert.rejects(bus.read(0x76, 0), /invalid I2C read length/);
});
