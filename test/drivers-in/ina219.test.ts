import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ina219, ina219CalibrationValue, ina219Scaling } from '../../src/drivers-in/ina219.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import { fakeHardware, inputContext, optionsFor } from './context.js';
import { register16Bus } from './i2c-log.js';
import { attachScheme } from '../hardware/sim/attach.js';

// The datasheet's worked example (SBOS448, "Configure/Measure/Calculate Example", with 8.5.1):
// load 10 A, V_CM 12 V, R_SHUNT 2 mΩ, shunt FSR 40 mV, bus range 16 V, Current_LSB 1 mA.
const EXAMPLE = { config: 0x019f, shunt: 0x07d0, bus: 0x5d98, calibration: 0x5000, current: 0x2710, power: 0x1766 };

test('calibration: equation 1 of 8.5.1 on the worked example, Cal = trunc(0.04096 / (1 mA × 2 mΩ)) = 20480', () => {
  assert.equal(ina219CalibrationValue(0.001, 0.002), 20480);
  assert.equal(ina219CalibrationValue(0.001, 0.002), EXAMPLE.calibration);
  // A 20 A maximum gives a minimum LSB of 20/2^15 = 0.61 mA, rounded up to the example's 1 mA.
  assert.deepEqual(ina219Scaling(0.002, 20), { cal: 20480, currentLsb: 0.04096 / (20480 * 0.002), pga: 0 });
  // The common breakout: 0.1 Ω, 3.2 A → 97.7 µA rounded to 100 µA, Cal 4096, shunt range 320 mV.
  assert.deepEqual(ina219Scaling(0.1, 3.2), { cal: 4096, currentLsb: 0.04096 / (4096 * 0.1), pga: 3 });
  // A tiny shunt voltage would need Cal above 16 bits: the LSB is raised instead, Cal stays even.
  const small = ina219Scaling(0.1, 0.05);
  assert.ok(small.cal <= 0xfffe && small.cal % 2 === 0, `cal ${small.cal}`);
  assert.throws(() => ina219Scaling(0.1, 4), /400 mV, beyond the 320 mV shunt range/);
});

test('ina219: the worked example end to end, config 019Fh and Cal 5000h written, 11.98 V, 10 A, 119.8 W read', async () => {
  const bus = register16Bus({ 0x00: EXAMPLE.config, 0x01: EXAMPLE.shunt, 0x02: EXAMPLE.bus, 0x03: EXAMPLE.power, 0x04: EXAMPLE.current, 0x05: EXAMPLE.calibration });
  const options = optionsFor(ina219, { shunt_ohms: 0.002, max_current: 20, bus_range: 16 });
  const driver = ina219.create(options, inputContext(fakeHardware({ i2c: async () => bus })));
  await driver.start();
  // Steps 1 and 4 of the example: BRNG 16 V, PG /1, 12-bit ADCs, continuous; then the calibration.
  assert.deepEqual(bus.writes, [[0x00, 0x01, 0x9f], [0x05, 0x50, 0x00]]);
  // Steps 2, 3, 5, 6: shunt 2000 × 10 µV, bus 2995 × 4 mV, current 10000 × 1 mA, power 5990 × 20 mW.
  assert.deepEqual(await driver.read!(), { voltage: 11.98, current: 10, power: 119.8, shunt_voltage: 0.02 });
});

test('ina219: negative current, a lost calibration and an overflow', async () => {
  const regs = { 0x01: 0xf830, 0x02: 0x5d98, 0x03: 0x1766, 0x04: 0xd8f0, 0x05: 0x5000 }; // shunt −2000, current −10000
  const options = optionsFor(ina219, { shunt_ohms: 0.002, max_current: 20, bus_range: 16 });
  const driver = ina219.create(options, inputContext(fakeHardware({ i2c: async () => register16Bus(regs) })));
  await driver.start();
  assert.deepEqual(await driver.read!(), { voltage: 11.98, current: -10, power: 119.8, shunt_voltage: -0.02 });

  const reset = ina219.create(options, inputContext(fakeHardware({ i2c: async () => register16Bus({ ...regs, 0x05: 0 }) })));
  await reset.start();
  await assert.rejects(reset.read!(), /calibration reads 0x0, expected 0x5000 \(chip reset\?\)/);

  const overflow = ina219.create(options, inputContext(fakeHardware({ i2c: async () => register16Bus({ ...regs, 0x02: 0x5d99 }) })));
  await overflow.start();
  assert.deepEqual(await overflow.read!(), { voltage: 11.98, current: null, power: null, shunt_voltage: -0.02 });
});

test('ina219: round trip through the sim, the chip computing current and power from its calibration', async () => {
  const hw = createSimHardware();
  const options = optionsFor(ina219, { address: 0x41, shunt_ohms: 0.1, max_current: 3.2 });
  const device = attachScheme(hw, 'solar', 'ina219', options)!;
  const driver = ina219.create(options, inputContext(hw, 'solar'));
  await driver.start();
  for (const q of [{ voltage: 12.6, current: 1.234 }, { voltage: 5.04, current: -0.5 }, { voltage: 0, current: 0 }, { voltage: 31.9, current: 3.1 }]) {
    device.set(q);
    const r = await driver.read!();
    assert.ok(Math.abs((r.voltage as number) - q.voltage) <= 0.002, `voltage ${r.voltage} for ${q.voltage}`);
    // Shunt LSB 10 µV over 0.1 Ω is 100 µA: the current register's 100 µA LSB matches it.
    assert.ok(Math.abs((r.current as number) - q.current) <= 0.0001 + 1e-9, `current ${r.current} for ${q.current}`);
    assert.ok(Math.abs((r.power as number) - Math.abs(q.current) * q.voltage) <= 0.002 + Math.abs(q.current) * 0.004, `power ${r.power}`);
    assert.ok(Math.abs((r.shunt_voltage as number) - q.current * 0.1) <= 5e-6 + 1e-12, `shunt ${r.shunt_voltage}`);
  }
  assert.equal(device.state().calibration, 4096, 'the driver programmed Cal');
  device.set({ fail: true });
  await assert.rejects(driver.read!(), { code: 'EREMOTEIO' });
});

test('ina219: schema defaults', () => {
  assert.deepEqual(ina219.schema.parse({}), { bus: 1, address: 0x40, shunt_ohms: 0.1, max_current: 3.2, bus_range: 32, interval: 10_000 });
  assert.throws(() => ina219.schema.parse({ bus_range: 24 }));
  assert.throws(() => ina219.schema.parse({ shunt_ohms: 0 }));
});
