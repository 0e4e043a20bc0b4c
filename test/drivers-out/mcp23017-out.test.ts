import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mcp23017Out } from '../../src/drivers-out/mcp23017-out.js';
import { mcp23017In } from '../../src/drivers-in/mcp23017-in.js';
import { Mcp23017Port } from '../../src/drivers-out/mcp23017-port.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import type { Mcp23017Chip } from '../../src/hardware/sim/chips/mcp23017.js';
import { inputContext, optionsFor } from '../drivers-in/context.js';
import { loggingBus } from '../drivers-in/i2c-log.js';
import { packOutputContext } from '../drivers-in/pack-context.js';
import { attachScheme } from '../hardware/sim/attach.js';

function relay(hw: ReturnType<typeof createSimHardware>, id: string, raw: Record<string, unknown>) {
  const options = optionsFor(mcp23017Out, raw, id);
  const device = attachScheme(hw, id, 'mcp23017-out', options)!;
  return { device, driver: mcp23017Out.create(options, packOutputContext(hw, id)) };
}

test('mcp23017-out: OLAT is written before IODIR makes the pin an output, so it never glitches', async () => {
  const bus = loggingBus((op) => (op.op === 'readRegister' && op.register === 0x00 ? [0xff, 0xff] : undefined));
  const port = Mcp23017Port.of(bus, 0x20);
  await port.setOutput(9, 1);
  assert.deepEqual(bus.writes, [[0x0a, 0x40], [0x14, 0x00, 0x02], [0x00, 0xff, 0xfd]]);
  await port.setOutput(9, 0);
  assert.deepEqual(bus.writes.at(-1), [0x14, 0x00, 0x00], 'already an output: only the latch');
});

test('mcp23017-out: after a restart the latch is read from the chip, so other relays keep their state', async () => {
  // GPB0 is an output latched high by an earlier run.
  const bus = loggingBus((op) => (op.op === 'readRegister' ? ({ 0x00: [0xff, 0xfe], 0x14: [0x00, 0x01] } as Record<number, number[]>)[op.register] : undefined));
  await Mcp23017Port.of(bus, 0x20).setOutput(2, 1);
  assert.deepEqual(bus.writes.slice(1), [[0x14, 0x04, 0x01], [0x00, 0xfb, 0xfe]]);
});

test('mcp23017-out: ON/OFF/TOGGLE, inverted, sharing the chip with mcp23017-in', async () => {
  const hw = createSimHardware();
  const inOptions = optionsFor(mcp23017In, { pins: [0, 1], invert: true }, 'buttons');
  attachScheme(hw, 'buttons', 'mcp23017-in', inOptions);
  const buttons = mcp23017In.create(inOptions, inputContext(hw, 'buttons'));
  await buttons.start();
  const a = relay(hw, 'zone-1', { pin: 8, invert: true });
  const b = relay(hw, 'zone-2', { pin: 9 });
  assert.deepEqual(await a.driver.start(), { state: 'OFF' });
  assert.deepEqual(await b.driver.start({ state: 'ON' }), { state: 'ON' });
  assert.deepEqual(a.device.state(), { pin: 8, level: 1, fail: false }, 'inverted OFF is high');
  assert.deepEqual(await a.driver.apply({ state: 'TOGGLE' }), { state: 'ON' });
  assert.equal(a.device.state().level, 0);
  assert.equal(b.device.state().level, 1, 'the other relay kept its level');
  const chip = (await hw.i2c(1)).chipAt(0x20) as Mcp23017Chip;
  assert.equal(chip.regs.readUInt16LE(0x00), 0xfcff, 'GPB0 and GPB1 outputs, everything else inputs');
  assert.equal(chip.regs.readUInt16LE(0x0c), 0x0003, 'the input scheme’s pull-ups kept');
  assert.deepEqual(await buttons.read!(), { p0: 'OFF', p1: 'OFF' });
  await buttons.stop();
});
