/**
 * The two CRC-8s of the pack's chips, shared by the drivers that check them and the sim models
 * that append them. Both use x^8 + x^5 + x^4 + 1 (0x31) but differ in bit order and start value.
 */

/**
 * The CRC-8 Sensirion puts after every 16-bit word (SHT3x datasheet 4.12, table 20): polynomial
 * 0x31, initial value 0xFF, MSB first, no reflection, no final XOR.
 * The datasheet's example: 0xBEEF gives 0x92. `poly` and `init` may be changed for relatives.
 */
export function crc8Sensirion(bytes: ArrayLike<number>, poly = 0x31, init = 0xff): number {
  let crc = init;
  for (let i = 0; i < bytes.length; i++) {
    crc ^= bytes[i]!;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80 ? ((crc << 1) ^ poly) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

/**
 * Checks and strips the CRC after each 16-bit word of a Sensirion answer (word, CRC, word, CRC …),
 * returning the words. Throws naming `chip` and the word that failed: a flipped bit on a long
 * cable must never reach MQTT as a plausible value.
 */
export function sensirionWords(chip: string, data: Buffer, names: readonly string[]): number[] {
  if (data.length < 3 * names.length) throw new Error(`${chip} answered ${data.length} bytes, expected ${3 * names.length}`);
  return names.map((name, i) => {
    const word = data.subarray(3 * i, 3 * i + 2);
    const crc = crc8Sensirion(word);
    if (crc !== data[3 * i + 2]) {
      throw new Error(`${chip} ${name} word 0x${word.toString('hex')} failed its CRC check (got 0x${data[3 * i + 2]!.toString(16)}, expected 0x${crc.toString(16)})`);
    }
    return word.readUInt16BE(0);
  });
}

/**
 * Dallas/Maxim 1-wire CRC-8 (DS18B20 datasheet "CRC generation": x^8 + x^5 + x^4 + 1, i.e. poly
 * 0x31, shifted LSB first, so the reflected 0x8C is applied). Over the 8 scratchpad bytes it must
 * equal byte 8; over all 9 bytes it is 0.
 */
export function crc8Dallas(bytes: ArrayLike<number>): number {
  let crc = 0;
  for (let i = 0; i < bytes.length; i++) {
    let byte = bytes[i]!;
    for (let bit = 0; bit < 8; bit++) {
      const mix = (crc ^ byte) & 1;
      crc >>= 1;
      if (mix) crc ^= 0x8c;
      byte >>= 1;
    }
  }
  return crc;
}
