import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type Bme280Calibration,
  compensateHumidity,
  compensatePressure,
  compensateTemperature,
  parseCalibration,
  parseRawData,
} from '../../src/hardware/datasheets/bme280-compensation.js';

// BMP280 datasheet 3.12 worked example (the BME280 shares these temperature/pressure formulas),
// plus humidity trimming values of a real BME280.
const CAL: Bme280Calibration = {
  T1: 27504, T2: 26435, T3: -1000,
  P1: 36477, P2: -10685, P3: 3024, P4: 2855, P5: 140, P6: -7, P7: 15500, P8: -14600, P9: 6000,
  H1: 75, H2: 370, H3: 0, H4: 313, H5: 50, H6: 30,
};

test('temperature: datasheet worked example adc_T=519888 gives 25.08 °C and t_fine 128422', () => {
  const { centiC, tFine } = compensateTemperature(519888, CAL);
  assert.equal(centiC, 2508);
  assert.equal(tFine, 128422);
});

test('pressure: datasheet worked example adc_P=415148 gives 100653 Pa with the 64-bit formula', () => {
  const q248 = compensatePressure(415148, 128422, CAL);
  // The datasheet figure prints 25767236 (100653.27 Pa); running its own 64-bit formula exactly
  // gives 25767233 (100653.25 Pa). The 0.01 Pa gap is the figure's rounding, not ours.
  assert.equal(q248, 25767233);
  assert.ok(Math.abs(q248 / 256 - 100653.27) < 0.05, `${q248 / 256} Pa`);
});

test('pressure: a zero dig_P1 returns 0 instead of dividing by zero', () => {
  assert.equal(compensatePressure(415148, 128422, { ...CAL, P1: 0 }), 0);
});

// Datasheet 8.1, the floating-point humidity formula, written out independently as the reference.
function humidityDouble(adcH: number, tFine: number, c: Bme280Calibration): number {
  let h = tFine - 76800.0;
  h = (adcH - (c.H4 * 64.0 + (c.H5 / 16384.0) * h)) * ((c.H2 / 65536.0) * (1.0 + (c.H6 / 67108864.0) * h * (1.0 + (c.H3 / 67108864.0) * h)));
  h = h * (1.0 - (c.H1 * h) / 524288.0);
  return Math.min(100, Math.max(0, h));
}

test('humidity: the 32-bit integer formula agrees with the floating-point one', () => {
  let checked = 0;
  for (const adcT of [400000, 519888, 600000]) {
    const { tFine } = compensateTemperature(adcT, CAL);
    for (let adcH = 18000; adcH <= 42000; adcH += 1500) {
      const int = compensateHumidity(adcH, tFine, CAL) / 1024;
      const dbl = humidityDouble(adcH, tFine, CAL);
      assert.ok(Math.abs(int - dbl) < 0.02, `adcT ${adcT} adcH ${adcH}: ${int} vs ${dbl}`);
      checked++;
    }
  }
  assert.equal(checked, 51);
});

test('humidity: clamped to 0 and 100 %RH', () => {
  assert.equal(compensateHumidity(0, 128422, CAL), 0);
  assert.equal(compensateHumidity(0xffff, 128422, CAL) / 1024, 100);
});

test('calibration: little-endian words, signed where the datasheet says, H4/H5 share 0xE5', () => {
  const a = Buffer.alloc(26);
  a.writeUInt16LE(27504, 0);
  a.writeUInt16LE(0xffff - 999, 4); // dig_T3 = -1000 as stored
  a.writeUInt16LE(36477, 6);
  a[25] = 75; // 0xA1: dig_H1
  // 0xE1..0xE7: H2 = 370, H3 = 0, H4 = 0x139 (313), H5 = 0x032 (50), H6 = 30
  const b = Buffer.from([0x72, 0x01, 0x00, 0x13, 0x29, 0x03, 0x1e]);
  const c = parseCalibration(a, b);
  assert.equal(c.T1, 27504);
  assert.equal(c.T3, -1000);
  assert.equal(c.P1, 36477);
  assert.deepEqual([c.H1, c.H2, c.H3, c.H4, c.H5, c.H6], [75, 370, 0, 313, 50, 30]);

  // Negative 12-bit values: H4 = -20 (0xFEC), H5 = -300 (0xED4); H6 = -5.
  const neg = parseCalibration(a, Buffer.from([0x00, 0x00, 0x00, 0xfe, 0x4c, 0xed, 0xfb]));
  assert.deepEqual([neg.H4, neg.H5, neg.H6], [-20, -300, -5]);
});

test('calibration: short blocks are refused', () => {
  assert.throws(() => parseCalibration(Buffer.alloc(24), Buffer.alloc(7)), /too short/);
});

test('raw data: 20-bit pressure and temperature, 16-bit humidity from the 0xF7 burst', () => {
  // 415148 = 0x655AC, 519888 = 0x7EED0, humidity 0x6B2A
  const raw = parseRawData(Buffer.from([0x65, 0x5a, 0xc0, 0x7e, 0xed, 0x00, 0x6b, 0x2a]));
  assert.deepEqual(raw, { adcP: 415148, adcT: 519888, adcH: 0x6b2a });
});
