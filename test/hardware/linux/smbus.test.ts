import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSmbusFallback, type RawSmbus } from '../../../src/hardware/linux/smbus.js';

/** An adapter that logs every call; `i2c` says whether it does plain I2C transfers. */
function adapter(i2c: boolean) {
  const calls: string[] = [];
  const hex = (b: Buffer) => b.toString('hex');
  const raw: RawSmbus = {
    async i2cFuncs() {
      calls.push('funcs');
      return { i2c, smbusSendByte: true, smbusWriteByte: true, smbusWriteI2cBlock: true, smbusReceiveByte: true };
    },
    async i2cWrite(address, length, buffer) {
      calls.push(`i2cWrite ${address.toString(16)} ${hex(buffer.subarray(0, length))}`);
      return { bytesWritten: length, buffer };
    },
    async i2cRead(address, length, buffer) {
      calls.push(`i2cRead ${address.toString(16)} ${length}`);
      buffer.fill(0x11, 0, length);
      return { bytesRead: length, buffer };
    },
    async readI2cBlock(address, command, length, buffer) {
      calls.push(`readI2cBlock ${address.toString(16)} ${command.toString(16)} ${length}`);
      return { bytesRead: length, buffer };
    },
    async sendByte(address, byte) {
      calls.push(`sendByte ${address.toString(16)} ${byte.toString(16)}`);
    },
    async writeByte(address, command, byte) {
      calls.push(`writeByte ${address.toString(16)} ${command.toString(16)} ${byte.toString(16)}`);
    },
    async writeI2cBlock(address, command, length, buffer) {
      calls.push(`writeI2cBlock ${address.toString(16)} ${command.toString(16)} ${hex(buffer.subarray(0, length))}`);
      return { bytesWritten: length, buffer };
    },
    async receiveByte(address) {
      calls.push(`receiveByte ${address.toString(16)}`);
      return 0x5a;
    },
    async scan() {
      return [0x76];
    },
    async close() {},
  };
  return { raw, calls };
}

test('an adapter with plain I2C gets plain transfers; the functionality is asked once', async () => {
  const { raw, calls } = adapter(true);
  const bus = withSmbusFallback(1, raw);
  await bus.i2cWrite(0x76, 2, Buffer.from([0xe0, 0xb6]));
  await bus.i2cRead(0x76, 6, Buffer.alloc(6));
  assert.deepEqual(calls, ['funcs', 'i2cWrite 76 e0b6', 'i2cRead 76 6']);
});

test('on an SMBus-only adapter, writes of 1, 2 and n bytes become send byte, write byte data and I2C block write', async () => {
  const { raw, calls } = adapter(false);
  const bus = withSmbusFallback(0, raw);
  assert.deepEqual(await bus.i2cWrite(0x20, 1, Buffer.from([0xfe])).then((r) => r.bytesWritten), 1);
  await bus.i2cWrite(0x76, 2, Buffer.from([0xe0, 0xb6]));
  await bus.i2cWrite(0x76, 4, Buffer.from([0xf2, 0x01, 0xf4, 0x25]));
  await bus.i2cWrite(0x3c, 33, Buffer.alloc(33, 0x40));
  assert.deepEqual(calls, [
    'funcs',
    'sendByte 20 fe',
    'writeByte 76 e0 b6',
    'writeI2cBlock 76 f2 01f425',
    `writeI2cBlock 3c 40 ${'40'.repeat(32)}`,
  ]);
});

test('on an SMBus-only adapter, a 1-byte read is a receive byte and longer plain transfers are refused by name', async () => {
  const { raw, calls } = adapter(false);
  const bus = withSmbusFallback(0, raw);
  const { bytesRead, buffer } = await bus.i2cRead(0x20, 1, Buffer.alloc(1));
  assert.deepEqual([bytesRead, buffer[0]], [1, 0x5a]);
  await assert.rejects(bus.i2cRead(0x44, 6, Buffer.alloc(6)), {
    message: 'I2C bus 0 only speaks SMBus (no plain I2C transfers): a plain read of 6 bytes from 0x44 has no SMBus form; only 1-byte plain reads and register reads work',
  });
  await assert.rejects(bus.i2cWrite(0x3c, 34, Buffer.alloc(34)), /a write of 34 bytes to 0x3c has no SMBus form/);
  assert.deepEqual(calls, ['funcs', 'receiveByte 20']);
});
