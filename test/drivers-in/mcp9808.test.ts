import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mcp9808, mcp9808Celsius } from '../../src/drivers-in/mcp9808.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import type { Mcp9808Chip } from '../../src/hardware/sim/chips/mcp9808.js';
import { fakeHardware, inputContext, optionsFor } from './context.js';
import { register16Bus } from './i2c-log.js';
import { attachScheme } from '../hardware/sim/attach.js';

test('T_A register (5.1.3): the three flag bits are masked, bit 12 is the sign of a 13-bit value in 1/16 °C', () => {
  const cases: [number, number, number][] = [
    [0x01, 0x94, 25.25], // 0x194 = 404 sixteenths
    [0xc1, 0x94, 25.25], // T_A ≥ T_CRIT and T_A > T_UPPER flagged: same temperature
    [0x21, 0x91, 25.0625],
    [0x07, 0xd0, 125],
    [0x00, 0x01, 0.0625],
    [0x00, 0x00, 0],
    [0x1f, 0xff, -0.0625], // the smallest negative step
    [0x1f, 0xf0, -1],
    [0x3f, 0xf0, -1], // with T_A < T_LOWER flagged
    [0x1c, 0x90, -55], // 0x1C90 − 0x2000 = −880 sixteenths
  ];
  for (const [msb, lsb, celsius] of cases) assert.equal(mcp9808Celsius(msb, lsb), celsius, `0x${msb.toString(16)} 0x${lsb.toString(16)}`);
});

test('the datasheet example code gives the magnitude for negative values; sign extension gives the value', () => {
  // Equation 5-1 for a negative reading: 256 − (UpperByte × 16 + LowerByte / 16), UpperByte with flags and sign cleared.
  const [upper, lower] = [0x1c & 0x0f, 0x90];
  assert.equal(256 - (upper * 16 + lower / 16), 55);
  assert.equal(mcp9808Celsius(0x1c, 0x90), -55);
});

test('mcp9808: checks manufacturer 0x0054 and device 0x04, wakes a chip in shutdown, sets the resolution', async () => {
  const bus = register16Bus({ 0x01: 0x0100, 0x05: 0xc1b4, 0x06: 0x0054, 0x07: 0x0400 });
  const driver = mcp9808.create(optionsFor(mcp9808, { resolution: 0.25, address: 0x1a }), inputContext(fakeHardware({ i2c: async () => bus })));
  await driver.start();
  assert.deepEqual(bus.writes, [[0x01, 0x00, 0x00], [0x08, 0x01]]);
  assert.deepEqual(await driver.read!(), { temperature: 27.25 });

  const running = register16Bus({ 0x06: 0x0054, 0x07: 0x0401 }); // revision 1, not in shutdown
  await mcp9808.create(optionsFor(mcp9808, {}), inputContext(fakeHardware({ i2c: async () => running }))).start();
  assert.deepEqual(running.writes, [[0x08, 0x03]]);

  for (const regs of [{ 0x06: 0x0055, 0x07: 0x0400 }, { 0x06: 0x0054, 0x07: 0x0500 }]) {
    const other = mcp9808.create(optionsFor(mcp9808, {}), inputContext(fakeHardware({ i2c: async () => register16Bus(regs) })));
    await assert.rejects(other.start(), /not an MCP9808: manufacturer id 0x005[45], device id 0x0[45] \(expected 0x0054, 0x04\)/);
  }
});

test('mcp9808: round trip through the sim at each resolution, alert flags set on a fresh chip', async () => {
  const hw = createSimHardware();
  for (const resolution of [0.0625, 0.125, 0.25, 0.5] as const) {
    const id = `t-${resolution}`;
    const options = optionsFor(mcp9808, { resolution, address: 0x18 + [0.0625, 0.125, 0.25, 0.5].indexOf(resolution) }, id);
    const device = attachScheme(hw, id, 'mcp9808', options) as Mcp9808Chip;
    const driver = mcp9808.create(options, inputContext(hw, id));
    await driver.start();
    for (const t of [21.3, -10.8, 0, 99.95, -39.97]) {
      device.set({ temperature: t });
      if (t > 0) assert.equal(device.ambient() & 0xc000, 0xc000, 'limits power up at 0 °C, so T_CRIT and T_UPPER flags are set');
      const { temperature } = await driver.read!();
      assert.ok(Math.abs((temperature as number) - t) <= resolution / 2 + 1e-9, `±${resolution}: set ${t}, read ${temperature}`);
    }
  }
  hw.device('t-0.5')!.set({ fail: true });
  const driver = mcp9808.create(optionsFor(mcp9808, { resolution: 0.5, address: 0x1b }), inputContext(hw));
  await assert.rejects(driver.start(), { code: 'EREMOTEIO' });
});
