import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bme280 } from '../../src/drivers-in/bme280.js';
import { encodeCalibration } from '../../src/hardware/datasheets/bme280-compensation.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import { SimI2cBus } from '../../src/hardware/sim/i2c.js';
import { Bme280Chip, SIM_BME280_CALIBRATION } from '../../src/hardware/sim/chips/bme280.js';
import type { I2cBus } from '../../src/hardware/types.js';
import { fakeHardware, inputContext, optionsFor } from './context.js';
import { attachScheme } from '../hardware/sim/attach.js';

/**
 * A bus with one plain register map at 0x76: reads return the bytes as set, writes are logged.
 * It knows nothing about the BME280, so the driver's bytes are checked independently of the sim.
 */
function registerBus(regs: Record<number, number[]>): I2cBus & { writes: number[][] } {
  const map = new Uint8Array(256);
  for (const [r, bytes] of Object.entries(regs)) map.set(bytes, Number(r));
  const writes: number[][] = [];
  const check = (address: number) => {
    if (address !== 0x76) throw Object.assign(new Error('Remote I/O error'), { code: 'EREMOTEIO' });
  };
  return {
    bus: 1,
    writes,
    async write(address, data) {
      check(address);
      writes.push([...data]);
    },
    async read() {
      throw new Error('not used');
    },
    async readRegister(address, register, length) {
      check(address);
      return Buffer.from(map.subarray(register, register + length));
    },
    exclusive(fn) {
      return fn(this);
    },
    async scan() {
      return [0x76];
    },
  };
}

const { a: CALIB_A, b: CALIB_B } = encodeCalibration(SIM_BME280_CALIBRATION);

test('bme280: datasheet raw values in the data registers publish 25.08 °C and 1006.53 hPa', async () => {
  // adc_P = 415148 (0x655AC), adc_T = 519888 (0x7EED0): the BMP280 datasheet 3.12 worked example.
  const bus = registerBus({ 0xd0: [0x60], 0x88: [...CALIB_A], 0xe1: [...CALIB_B], 0xf3: [0x00], 0xf7: [0x65, 0x5a, 0xc0, 0x7e, 0xed, 0x00, 0x6b, 0x2a] });
  const driver = bme280.create(optionsFor(bme280, {}), inputContext(fakeHardware({ i2c: async () => bus })));
  await driver.start();
  const reading = await driver.read!();
  assert.equal(reading.temperature, 25.08);
  assert.equal(reading.pressure, 1006.53);
  assert.equal(typeof reading.humidity, 'number');
  // Soft reset and config at start; then ctrl_hum before ctrl_meas (forced, x1) in one write.
  assert.deepEqual(bus.writes, [[0xe0, 0xb6], [0xf5, 0x00], [0xf2, 0x01, 0xf4, 0x25]]);
});

test('bme280: a BMP280 (chip id 0x58) is refused with a clear error', async () => {
  const bus = registerBus({ 0xd0: [0x58] });
  const driver = bme280.create(optionsFor(bme280, {}), inputContext(fakeHardware({ i2c: async () => bus })));
  await assert.rejects(driver.start(), /BMP280 \(chip id 0x58\).*no humidity/);
  const other = bme280.create(optionsFor(bme280, {}), inputContext(fakeHardware({ i2c: async () => registerBus({ 0xd0: [0x61] }) })));
  await assert.rejects(other.start(), /chip id 0x61, expected 0x60/);
});

test('bme280: a measurement that never finishes is a failed read, not a hang', async () => {
  const bus = registerBus({ 0xd0: [0x60], 0x88: [...CALIB_A], 0xe1: [...CALIB_B], 0xf3: [0x08] });
  const driver = bme280.create(optionsFor(bme280, {}), inputContext(fakeHardware({ i2c: async () => bus })));
  await driver.start();
  await assert.rejects(driver.read!(), /measurement did not finish within 100 ms/);
});

test('bme280: register-level round trip through the sim returns what was set within 0.01', async () => {
  const hw = createSimHardware();
  const options = optionsFor(bme280, { address: 0x77, interval: '10s' });
  const device = attachScheme(hw, 'climate', 'bme280', options)!;
  const driver = bme280.create(options, inputContext(hw, 'climate'));
  await driver.start();
  const cases = [
    { temperature: 26.5, humidity: 40.2, pressure: 1013.2 },
    { temperature: -12.34, humidity: 87.65, pressure: 951.09 },
    { temperature: 21.5, humidity: 45, pressure: 1013.25 },
  ];
  for (const q of cases) {
    device.set(q);
    const r = await driver.read!();
    for (const key of ['temperature', 'humidity', 'pressure'] as const) {
      assert.ok(Math.abs((r[key] as number) - q[key]) <= 0.01 + 1e-9, `${key}: set ${q[key]}, read ${r[key]}`);
    }
  }
  await driver.stop();
});

test('bme280: a failing chip makes reads throw like real hardware, and healing brings it back', async () => {
  const hw = createSimHardware();
  const options = optionsFor(bme280, {});
  const device = attachScheme(hw, 'climate', 'bme280', options)!;
  const driver = bme280.create(options, inputContext(hw, 'climate'));
  await driver.start();
  device.set({ fail: true });
  await assert.rejects(driver.read!(), { code: 'EREMOTEIO' });
  device.set({ fail: false, temperature: 19 });
  assert.equal((await driver.read!()).temperature, 19);
});

test('bme280: the sim answers like a BMP280 when told to, and the driver refuses it', async () => {
  const bus = new SimI2cBus(1);
  bus.place(0x76, new Bme280Chip({ chipId: 0x58 }));
  const driver = bme280.create(optionsFor(bme280, {}), inputContext(fakeHardware({ i2c: async () => bus })));
  await assert.rejects(driver.start(), /BMP280/);
});

test('bme280: schema defaults and limits', () => {
  const o = bme280.schema.parse({});
  assert.deepEqual(o, { bus: 1, address: 0x76, interval: 30_000 });
  assert.throws(() => bme280.schema.parse({ address: 0x40 }), /0x76, 0x77/);
});
