import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bmp280 } from '../../src/drivers-in/bmp280.js';
import { bme280 } from '../../src/drivers-in/bme280.js';
import { encodeCalibration } from '../../src/hardware/datasheets/bme280-compensation.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import { SimI2cBus } from '../../src/hardware/sim/i2c.js';
import { Bmp280Chip } from '../../src/hardware/sim/chips/bmp280.js';
import { SIM_BME280_CALIBRATION } from '../../src/hardware/sim/chips/bme280.js';
import { fakeHardware, inputContext, optionsFor } from './context.js';
import { loggingBus } from './i2c-log.js';
import { attachScheme } from '../hardware/sim/attach.js';

// dig_T1..dig_P9 of the BMP280 datasheet's worked example (3.12); the humidity words are not read.
const CALIB_A = encodeCalibration(SIM_BME280_CALIBRATION).a;

/** A plain register map at 0x76; it knows nothing of the BMP280, so the driver's bytes are checked on their own. */
function bmp280Registers(regs: Record<number, number[]>) {
  const map = new Uint8Array(256);
  for (const [r, bytes] of Object.entries(regs)) map.set(bytes, Number(r));
  return loggingBus((op) => (op.op === 'readRegister' ? [...map.subarray(op.register, op.register + op.length)] : undefined));
}

test('bmp280: the datasheet 3.12 worked example (adc_T 519888, adc_P 415148) publishes 25.08 °C and 1006.53 hPa', async () => {
  // 0xF7..0xFC: press msb/lsb/xlsb = 0x65 0x5A 0xC0 (415148), temp = 0x7E 0xED 0x00 (519888).
  const bus = bmp280Registers({ 0xd0: [0x58], 0x88: [...CALIB_A], 0xf3: [0x00], 0xf7: [0x65, 0x5a, 0xc0, 0x7e, 0xed, 0x00] });
  const driver = bmp280.create(optionsFor(bmp280, {}), inputContext(fakeHardware({ i2c: async () => bus })));
  await driver.start();
  assert.deepEqual(await driver.read!(), { temperature: 25.08, pressure: 1006.53 });
  // Reset, config, then ctrl_meas alone: the BMP280 has no ctrl_hum (4.3.4: osrs_t x1, osrs_p x1, forced = 0x25).
  assert.deepEqual(bus.writes, [[0xe0, 0xb6], [0xf5, 0x00], [0xf4, 0x25]]);
  const reads = bus.ops.flatMap((o) => (o.op === 'readRegister' ? [[o.register, o.length]] : []));
  assert.ok(!reads.some(([r]) => r === 0xe1), 'no humidity trimming read');
  assert.deepEqual(reads.at(-1), [0xf7, 6], 'a 6-byte burst: pressure and temperature only');
});

test('bmp280: a BME280 is pointed to the bme280 driver; engineering-sample ids 0x56/0x57 are accepted', async () => {
  const start = (id: number) =>
    bmp280.create(optionsFor(bmp280, {}), inputContext(fakeHardware({ i2c: async () => bmp280Registers({ 0xd0: [id], 0x88: [...CALIB_A] }) }))).start();
  await assert.rejects(start(0x60), /is a BME280 \(chip id 0x60\): use the bme280 driver/);
  await assert.rejects(start(0x55), /chip id 0x55, expected 0x58 for a BMP280/);
  await start(0x56);
  await start(0x57);
});

test('bmp280: all-reset data registers are a failed read', async () => {
  const bus = bmp280Registers({ 0xd0: [0x58], 0x88: [...CALIB_A], 0xf7: [0x80, 0, 0, 0x80, 0, 0] });
  const driver = bmp280.create(optionsFor(bmp280, {}), inputContext(fakeHardware({ i2c: async () => bus })));
  await driver.start();
  await assert.rejects(driver.read!(), /BMP280 at 0x76 returned its reset values/);
});

test('bmp280: register-level round trip through the sim returns what was set within 0.01', async () => {
  const hw = createSimHardware();
  const options = optionsFor(bmp280, { address: 0x77 });
  const device = attachScheme(hw, 'hall', 'bmp280', options)!;
  const driver = bmp280.create(options, inputContext(hw, 'hall'));
  await driver.start();
  for (const q of [{ temperature: 26.5, pressure: 1013.2 }, { temperature: -7.25, pressure: 962.4 }]) {
    device.set(q);
    const r = await driver.read!();
    assert.deepEqual(Object.keys(r), ['temperature', 'pressure']);
    assert.ok(Math.abs((r.temperature as number) - q.temperature) <= 0.01 + 1e-9, `temperature ${r.temperature}`);
    assert.ok(Math.abs((r.pressure as number) - q.pressure) <= 0.01 + 1e-9, `pressure ${r.pressure}`);
  }
  assert.throws(() => device.set({ humidity: 40 }), /bmp280 sim: unknown key 'humidity'; expected temperature, pressure, fail/);
  device.set({ fail: true });
  await assert.rejects(driver.read!(), { code: 'EREMOTEIO' });
  device.set({ fail: false });
  await driver.read!();
  await driver.stop();
});

test('bmp280 and bme280 refuse each other\'s chip in the sim', async () => {
  const bus = new SimI2cBus(1);
  bus.place(0x76, new Bmp280Chip());
  const hw = fakeHardware({ i2c: async () => bus });
  await assert.rejects(bme280.create(optionsFor(bme280, {}), inputContext(hw)).start(), /BMP280 \(chip id 0x58\).*no humidity.*bmp280 driver/);
  await bmp280.create(optionsFor(bmp280, {}), inputContext(hw)).start();
});

test('bmp280: schema defaults and addresses', () => {
  assert.deepEqual(bmp280.schema.parse({}), { bus: 1, address: 0x76, interval: 30_000 });
  assert.throws(() => bmp280.schema.parse({ address: 0x40 }), /0x76, 0x77/);
});
