import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mcp3008, mcp3008Frame } from '../../src/drivers-in/mcp3008.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import type { SpiDevice, SpiTransferOptions } from '../../src/hardware/types.js';
import { fakeHardware, inputContext, optionsFor } from './context.js';
import { attachScheme } from '../hardware/sim/attach.js';

/** An SPI device that records what was sent and answers with fixed bytes. */
function recordingSpi(answer: number[]): SpiDevice & { sent: { tx: number[]; options?: SpiTransferOptions }[] } {
  const sent: { tx: number[]; options?: SpiTransferOptions }[] = [];
  return {
    bus: 0,
    device: 0,
    sent,
    async transfer(tx, options) {
      sent.push({ tx: [...tx], options });
      return Buffer.from(answer);
    },
  };
}

test('mcp3008: frame bytes per datasheet figure 6-1', () => {
  assert.deepEqual([...mcp3008Frame(0, false)], [0x01, 0x80, 0x00]);
  assert.deepEqual([...mcp3008Frame(5, false)], [0x01, 0xd0, 0x00]);
  assert.deepEqual([...mcp3008Frame(7, false)], [0x01, 0xf0, 0x00]);
  assert.deepEqual([...mcp3008Frame(2, true)], [0x01, 0x20, 0x00]);
});

test('mcp3008: raw from the low bits of byte 1 and byte 2, voltage = raw × vref / 1024', async () => {
  // 0x29A = 666; the high bits of byte 1 are undriven and must be masked off.
  const spi = recordingSpi([0xff, 0xfe, 0x9a]);
  const options = optionsFor(mcp3008, { channel: 5, vref: 5.0, speed_hz: 1_350_000 });
  const driver = mcp3008.create(options, inputContext(fakeHardware({ spi: async () => spi })));
  await driver.start();
  assert.deepEqual(await driver.read!(), { raw: 666, voltage: 3.252 });
  assert.deepEqual(spi.sent, [{ tx: [0x01, 0xd0, 0x00], options: { speedHz: 1_350_000, mode: 0 } }]);
});

test('mcp3008: schema limits (channel 0-7, clock at most 3.6 MHz) and defaults', () => {
  assert.throws(() => mcp3008.schema.parse({ channel: 8 }));
  assert.throws(() => mcp3008.schema.parse({ channel: 0, speed_hz: 4_000_000 }));
  assert.throws(() => mcp3008.schema.parse({}), 'channel is required');
  assert.deepEqual(mcp3008.schema.parse({ channel: 3 }), {
    bus: 0, device: 0, speed_hz: 1_000_000, channel: 3, differential: false, vref: 3.3, interval: 5_000,
  });
});

test('mcp3008: set voltage in the sim, read raw and voltage through the SPI frames', async () => {
  const hw = createSimHardware();
  const options = optionsFor(mcp3008, { channel: 2 });
  const device = attachScheme(hw, 'pot', 'mcp3008', options)!;
  const driver = mcp3008.create(options, inputContext(hw, 'pot'));
  await driver.start();
  const cases: [number, number][] = [[1.65, 512], [0, 0], [3.3, 1023], [1.0, 310], [2.5, 776]];
  for (const [volts, raw] of cases) {
    device.set({ voltage: volts });
    const r = await driver.read!();
    assert.equal(r.raw, raw, `${volts} V`);
    assert.equal(r.voltage, Math.round((raw * 3.3) / 1024 * 1000) / 1000);
  }
});

test('mcp3008: two schemes share the chip, each on its channel; differential reads the pair', async () => {
  const hw = createSimHardware();
  const a = optionsFor(mcp3008, { channel: 0, vref: 3.3 }, 'a');
  const b = optionsFor(mcp3008, { channel: 1, vref: 3.3 }, 'b');
  const d = optionsFor(mcp3008, { channel: 0, differential: true, vref: 3.3 }, 'd');
  attachScheme(hw, 'a', 'mcp3008', a)!.set({ voltage: 2.0 });
  attachScheme(hw, 'b', 'mcp3008', b)!.set({ voltage: 0.5 });
  attachScheme(hw, 'd', 'mcp3008', d);
  const read = async (o: typeof a, id: string) => {
    const driver = mcp3008.create(o, inputContext(hw, id));
    await driver.start();
    return driver.read!();
  };
  assert.equal((await read(a, 'a')).raw, 621);
  assert.equal((await read(b, 'b')).raw, 155);
  assert.equal((await read(d, 'd')).raw, Math.round((1.5 / 3.3) * 1024));
});

test('mcp3008: a failing chip makes the transfer throw, and heals', async () => {
  const hw = createSimHardware();
  const options = optionsFor(mcp3008, { channel: 0 });
  const device = attachScheme(hw, 'pot', 'mcp3008', options)!;
  const driver = mcp3008.create(options, inputContext(hw, 'pot'));
  await driver.start();
  device.set({ fail: true });
  await assert.rejects(driver.read!(), { code: 'EIO' });
  device.set({ fail: false, voltage: 1.65 });
  assert.equal((await driver.read!()).raw, 512);
});
