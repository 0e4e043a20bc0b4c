import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ads1115, ads1115Config, ads1115Volts } from '../../src/drivers-in/ads1115.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import { fakeHardware, inputContext, optionsFor } from './context.js';
import { loggingBus } from './i2c-log.js';
import { attachScheme } from '../hardware/sim/attach.js';
import { builtins } from '../helpers/drivers.js';

test('config word: the register reset value 8583h is OS, AIN0-AIN1, ±2.048 V, single shot, 128 SPS, comparator off (9.6.3)', () => {
  assert.equal(ads1115Config('A0-A1', 2.048, 128), 0x8583);
  // AIN0 against GND (MUX 100), ±4.096 V (PGA 001), 128 SPS
  assert.equal(ads1115Config('A0', 4.096, 128), 0xc383);
  // AIN3 against GND (MUX 111), ±0.256 V (PGA 101), 860 SPS (DR 111)
  assert.equal(ads1115Config('A3', 0.256, 860), 0xfbe3);
  assert.equal(ads1115Config('A2-A3', 6.144, 8), 0xb103);
});

test('volts: the ideal output codes of 9.5.4 (data format)', () => {
  const fs = 2.048;
  assert.equal(ads1115Volts(0x7fff, fs), (fs * (2 ** 15 - 1)) / 2 ** 15); // +FS (2^15 − 1)/2^15
  assert.equal(ads1115Volts(0x0001, fs), fs / 2 ** 15); // +FS/2^15: 62.5 µV at ±2.048 V
  assert.equal(ads1115Volts(0, fs), 0);
  assert.equal(ads1115Volts(-1, fs), -fs / 2 ** 15); // FFFFh
  assert.equal(ads1115Volts(-32768, fs), -fs); // 8000h: −FS
  assert.equal(ads1115Volts(1, 0.256), 7.8125e-6, 'the smallest LSB (9.3.3)');
});

test('ads1115: writes the config with OS set, polls OS, reads the signed conversion register', async () => {
  let polls = 0;
  const bus = loggingBus((op, ops) => {
    if (op.op !== 'readRegister') return undefined;
    if (!ops.some((o) => o.op === 'write')) return [0x85, 0x83]; // the presence check at start: reset value
    if (op.register === 0x01) return polls++ < 2 ? [0x43, 0x83] : [0xc3, 0x83]; // OS 0 while converting, then 1
    return [0xb3, 0x33]; // -19661
  });
  const driver = ads1115.create(optionsFor(ads1115, { input: 'A0' }), inputContext(fakeHardware({ i2c: async () => bus })));
  await driver.start();
  assert.deepEqual(await driver.read!(), { voltage: -2.457625, raw: -19661 });
  const afterStart = bus.ops.slice(1);
  assert.deepEqual(afterStart[0], { op: 'write', address: 0x48, data: [0x01, 0xc3, 0x83] });
  assert.deepEqual(
    afterStart.slice(1).map((o) => (o.op === 'readRegister' ? o.register : o.op)),
    [0x01, 0x01, 0x01, 0x00],
    'config polled until OS reads 1, then the conversion register',
  );
});

test('ads1115: a conversion that never ends is a failed read', async () => {
  const bus = loggingBus((op) => (op.op === 'readRegister' && op.register === 0x01 ? [0x43, 0x83] : undefined));
  const driver = ads1115.create(optionsFor(ads1115, { data_rate: 860 }), inputContext(fakeHardware({ i2c: async () => bus })));
  await driver.start();
  await assert.rejects(driver.read!(), /conversion did not finish/);
});

test('ads1115: round trip through the sim for single-ended and differential inputs at several gains', async () => {
  const hw = createSimHardware();
  const cases = [
    { input: 'A0', gain: 4.096, data_rate: 860, volts: [0, 1.2345, 3.3, 4.0] },
    { input: 'A2-A3', gain: 0.256, data_rate: 475, volts: [0.1, -0.2, 0.0123] },
    { input: 'A1', gain: 6.144, data_rate: 250, volts: [5.0] },
  ] as const;
  for (const c of cases) {
    const id = `adc-${c.input}`;
    const options = optionsFor(ads1115, { input: c.input, gain: c.gain, data_rate: c.data_rate }, id);
    const device = attachScheme(hw, id, 'ads1115', options)!;
    const driver = ads1115.create(options, inputContext(hw, id));
    await driver.start();
    for (const v of c.volts) {
      device.set({ voltage: v });
      const r = await driver.read!();
      const lsb = c.gain / 32768;
      assert.ok(Math.abs((r.voltage as number) - v) <= lsb / 2 + 1e-6, `${c.input} ±${c.gain} V: set ${v}, read ${r.voltage}`);
      assert.equal(r.raw, Math.round(v / lsb));
    }
  }
  // A0, A1 and the A2-A3 pair are inputs of one chip at 0x48: each scheme read its own.
  assert.deepEqual(hw.device('adc-A2-A3')!.state().voltages, [4.0, 5.0, 0.0123, 0]);
});

test('ads1115: the sim clamps beyond full scale to 7FFFh, as the chip does', async () => {
  const hw = createSimHardware();
  const options = optionsFor(ads1115, { gain: 1.024, data_rate: 860 });
  attachScheme(hw, 'x', 'ads1115', options)!.set({ voltage: 3.3 });
  const driver = ads1115.create(options, inputContext(hw, 'x'));
  await driver.start();
  assert.deepEqual(await driver.read!(), { voltage: 1.023969, raw: 32767 });
});

test('ads1115: schema offers only the PGA ranges and data rates the chip has', () => {
  assert.deepEqual(ads1115.schema.parse({}), { bus: 1, address: 0x48, input: 'A0', gain: 4.096, data_rate: 128, interval: 10_000 });
  assert.throws(() => ads1115.schema.parse({ gain: 5 }));
  assert.throws(() => ads1115.schema.parse({ data_rate: 100 }));
  assert.throws(() => ads1115.schema.parse({ input: 'A1-A2' }));
});

test('ads1115: schemes reading different inputs share one chip; the same input twice is refused', async () => {
  const { loadSchemeTexts } = await import('../../src/schemes/loader.js');
  const problems = (yaml: string) => loadSchemeTexts([{ file: 'adc.yaml', text: yaml }], builtins).problems.map((p) => `${p.line}:${p.col}: ${p.message}`);
  assert.deepEqual(problems('inputs:\n  - { id: a0, driver: ads1115, input: A0 }\n  - { id: a1, driver: ads1115, input: A1 }\n  - { id: d23, driver: ads1115, input: A2-A3 }\n'), []);
  assert.deepEqual(problems('inputs:\n  - { id: a0, driver: ads1115, input: A0 }\n  - { id: again, driver: ads1115, input: A0 }\n'), [
    "3:42: input A0 of I2C bus 1 address 0x48 is already used by 'a0' (adc.yaml:2)",
  ]);
  assert.equal(problems('inputs:\n  - { id: a0, driver: ads1115, input: A0 }\n  - { id: t, driver: ina219, address: 0x48 }\n').length, 1, 'another chip at the address is refused');
});
