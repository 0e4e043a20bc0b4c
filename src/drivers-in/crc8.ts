/**
 * The CRC-8 Sensirion puts after every 16-bit word (SHT3x datasheet 4.12, table 20): polynomial
 * 0x31 (x^8 + x^5 + x^4 + 1), initial value 0xFF, MSB first, no reflection, no final XOR.
 * The datasheet's example: 0xBEEF gives 0x92.
 */

/** CRC-8 over `bytes`, MSB first, with the given polynomial and initial value (Sensirion's by default). */
export function crc8Sensirion(bytes: ArrayLike<number>, poly = 0x31, init = 0xff): number {
  let crc = init;
  for (let i = 0; i < bytes.length; i++) {
    crc ^= bytes[i]!;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80 ? ((crc << 1) ^ poly) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}
