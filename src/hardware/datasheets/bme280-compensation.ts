/**
 * BME280 calibration parsing and compensation: pure functions, no I/O, so the datasheet's worked
 * example can be checked directly and the sim can invert them. Sections cited are those of the
 * Bosch BME280 datasheet (BST-BME280-DS002); the temperature and pressure formulas are the same as
 * the BMP280's (BST-BMP280-DS001, section 3.11.3), whose section 3.12 has the worked example.
 */

/**
 * Temperature and pressure trimming, the part the BMP280 and BME280 share (BMP280 datasheet
 * 3.11.2, table 17; BME280 datasheet 4.2.2, table 16: same registers 0x88..0x9F, same layout).
 */
export interface Bmx280Calibration {
  T1: number; T2: number; T3: number;
  P1: number; P2: number; P3: number; P4: number; P5: number; P6: number; P7: number; P8: number; P9: number;
}

/** Trimming parameters from the BME280's NVM (datasheet 4.2.2, table 16): the shared part plus humidity. */
export interface Bme280Calibration extends Bmx280Calibration {
  H1: number; H2: number; H3: number; H4: number; H5: number; H6: number;
}

/** Register blocks holding the calibration (datasheet 4.2.2 / 5.3). */
export const CALIB_BLOCK_A = { register: 0x88, length: 26 } as const; // 0x88..0xA1
export const CALIB_BLOCK_B = { register: 0xe1, length: 7 } as const; // 0xE1..0xE7

/**
 * Decodes the two calibration blocks. `a` is 0x88..0xA1 (26 bytes), `b` is 0xE1..0xE7 (7 bytes).
 * Words are little-endian. dig_H4 and dig_H5 are 12-bit signed values that share register 0xE5:
 * H4 = 0xE4[7:0] << 4 | 0xE5[3:0], H5 = 0xE6[7:0] << 4 | 0xE5[7:4] (table 16). The sign lives in
 * the top byte, so that byte is read as int8 before shifting.
 */
export function parseCalibration(a: Buffer, b: Buffer): Bme280Calibration {
  if (a.length < CALIB_BLOCK_A.length || b.length < CALIB_BLOCK_B.length) {
    throw new Error(`BME280 calibration blocks too short (${a.length}/${b.length} bytes, expected 26/7)`);
  }
  return {
    ...parseTPCalibration(a),
    H1: a.readUInt8(25), // 0xA1; 0xA0 is unused
    H2: b.readInt16LE(0),
    H3: b.readUInt8(2),
    H4: b.readInt8(3) * 16 + (b.readUInt8(4) & 0x0f),
    H5: b.readInt8(5) * 16 + (b.readUInt8(4) >> 4),
    H6: b.readInt8(6),
  };
}

/** Length of the temperature/pressure words, 0x88..0x9F (BMP280 datasheet 3.11.2, table 17). */
export const TP_CALIB_LENGTH = 24;

/** Decodes dig_T1..dig_P9 from the block starting at 0x88: little-endian, T1 and P1 unsigned. */
export function parseTPCalibration(a: Buffer): Bmx280Calibration {
  if (a.length < TP_CALIB_LENGTH) throw new Error(`BMx280 calibration block too short (${a.length} bytes, expected ${TP_CALIB_LENGTH})`);
  return {
    T1: a.readUInt16LE(0), T2: a.readInt16LE(2), T3: a.readInt16LE(4),
    P1: a.readUInt16LE(6), P2: a.readInt16LE(8), P3: a.readInt16LE(10), P4: a.readInt16LE(12),
    P5: a.readInt16LE(14), P6: a.readInt16LE(16), P7: a.readInt16LE(18), P8: a.readInt16LE(20),
    P9: a.readInt16LE(22),
  };
}

/** The inverse of `parseCalibration`, used by the sim to fill its register map. */
export function encodeCalibration(c: Bme280Calibration): { a: Buffer; b: Buffer } {
  const a = Buffer.alloc(CALIB_BLOCK_A.length);
  a.writeUInt16LE(c.T1, 0); a.writeInt16LE(c.T2, 2); a.writeInt16LE(c.T3, 4);
  a.writeUInt16LE(c.P1, 6);
  [c.P2, c.P3, c.P4, c.P5, c.P6, c.P7, c.P8, c.P9].forEach((v, i) => a.writeInt16LE(v, 8 + 2 * i));
  a.writeUInt8(c.H1, 25);
  const b = Buffer.alloc(CALIB_BLOCK_B.length);
  b.writeInt16LE(c.H2, 0);
  b.writeUInt8(c.H3, 2);
  b.writeUInt8((c.H4 >> 4) & 0xff, 3);
  b.writeUInt8(((c.H5 & 0x0f) << 4) | (c.H4 & 0x0f), 4);
  b.writeUInt8((c.H5 >> 4) & 0xff, 5);
  b.writeInt8(c.H6, 6);
  return { a, b };
}

/** Raw ADC values from the burst read of 0xF7..0xFE (datasheet 4 / 5.4.7-5.4.9). */
export interface Bme280Raw {
  adcT: number; // 20 bits
  adcP: number; // 20 bits
  adcH: number; // 16 bits
}

/** Splits the 8-byte data burst: press_msb/lsb/xlsb, temp_msb/lsb/xlsb, hum_msb/lsb. */
export function parseRawData(d: Buffer): Bme280Raw {
  return { ...parseRawTP(d), adcH: (d[6]! << 8) | d[7]! };
}

/**
 * The pressure and temperature part of the burst, 0xF7..0xFC: 20-bit values, the xlsb nibble in
 * bits 7..4 (BMP280 datasheet 4.3.6/4.3.7; BME280 5.4.7/5.4.8).
 */
export function parseRawTP(d: Buffer): { adcT: number; adcP: number } {
  return {
    adcP: (d[0]! << 12) | (d[1]! << 4) | (d[2]! >> 4),
    adcT: (d[3]! << 12) | (d[4]! << 4) | (d[5]! >> 4),
  };
}

/**
 * Datasheet 4.2.3 (BME280_compensate_T_int32): temperature in 0.01 °C and t_fine, the fine
 * temperature that the pressure and humidity formulas take. The reference is 32-bit C, so products
 * go through `Math.imul` and shifts through JS's int32 `>>`: results match bit for bit.
 */
export function compensateTemperature(adcT: number, c: Bmx280Calibration): { centiC: number; tFine: number } {
  const var1 = Math.imul((adcT >> 3) - (c.T1 << 1), c.T2) >> 11;
  const d = (adcT >> 4) - c.T1;
  const var2 = Math.imul(Math.imul(d, d) >> 12, c.T3) >> 14;
  const tFine = (var1 + var2) | 0;
  return { centiC: (Math.imul(tFine, 5) + 128) >> 8, tFine };
}

/**
 * Datasheet 4.2.3 (BME280_compensate_P_int64): pressure in Pa as Q24.8 (divide by 256). The
 * reference uses signed 64-bit integers; BigInt gives the same results (`/` truncates toward zero
 * like C, `>>` is an arithmetic shift). Returns 0 where the reference guards a division by zero.
 */
export function compensatePressure(adcP: number, tFine: number, c: Bmx280Calibration): number {
  let var1 = BigInt(tFine) - 128000n;
  let var2 = var1 * var1 * BigInt(c.P6);
  var2 += (var1 * BigInt(c.P5)) << 17n;
  var2 += BigInt(c.P4) << 35n;
  var1 = ((var1 * var1 * BigInt(c.P3)) >> 8n) + ((var1 * BigInt(c.P2)) << 12n);
  var1 = (((1n << 47n) + var1) * BigInt(c.P1)) >> 33n;
  if (var1 === 0n) return 0;
  let p = 1048576n - BigInt(adcP);
  p = (((p << 31n) - var2) * 3125n) / var1;
  var1 = (BigInt(c.P9) * (p >> 13n) * (p >> 13n)) >> 25n;
  var2 = (BigInt(c.P8) * p) >> 19n;
  p = ((p + var1 + var2) >> 8n) + (BigInt(c.P7) << 4n);
  return Number(p);
}

/**
 * Datasheet 4.2.3 (bme280_compensate_H_int32): relative humidity in %RH as Q22.10 (divide by
 * 1024), clamped to 0..100 %RH as the reference does. 32-bit arithmetic as in the temperature one.
 */
export function compensateHumidity(adcH: number, tFine: number, c: Bme280Calibration): number {
  let v = (tFine - 76800) | 0;
  const offset = ((adcH << 14) - (c.H4 << 20) - Math.imul(c.H5, v) + 16384) >> 15;
  const gain =
    (Math.imul((Math.imul(Math.imul(v, c.H6) >> 10, (Math.imul(v, c.H3) >> 11) + 32768) >> 10) + 2097152, c.H2) + 8192) >> 14;
  v = Math.imul(offset, gain);
  v = (v - (Math.imul(Math.imul(v >> 15, v >> 15) >> 7, c.H1) >> 4)) | 0;
  v = Math.min(Math.max(v, 0), 419430400);
  return v >>> 12;
}

/** Compensated quantities in the units hanode publishes. */
export interface Bme280Values {
  temperature: number; // °C
  pressure: number; // hPa
  humidity: number; // %RH
}

/** Runs all three formulas on one burst: temperature first, since its t_fine feeds the others. */
export function compensate(raw: Bme280Raw, c: Bme280Calibration): Bme280Values {
  const { centiC, tFine } = compensateTemperature(raw.adcT, c);
  return {
    temperature: centiC / 100,
    pressure: compensatePressure(raw.adcP, tFine, c) / 256 / 100,
    humidity: compensateHumidity(raw.adcH, tFine, c) / 1024,
  };
}
