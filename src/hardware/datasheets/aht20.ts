/**
 * AHT20 facts both the driver and the sim model need (Aosong AHT20 datasheet, sections 5.3-5.4
 * and 6): the commands, the status bits and the conversion of the 20-bit raw values.
 */
export const AHT20 = {
  /** Trigger measurement: 0xAC with parameters 0x33 0x00 (5.4 step 2). */
  trigger: [0xac, 0x33, 0x00],
  /** Initialise (load calibration) when the CAL bit is clear (5.4 step 1). */
  init: [0xbe, 0x08, 0x00],
  /** Soft reset (5.5). */
  reset: [0xba],
  /** Get status (5.4 step 1). */
  status: [0x71],
  /** Status bit 7: busy measuring. */
  busy: 0x80,
  /** Status bit 3: calibration loaded. */
  calibrated: 0x08,
} as const;

/** Datasheet 6.1 and 6.2: RH = S_RH / 2^20 · 100 %, T = S_T / 2^20 · 200 − 50 °C. */
export function aht20Convert(rawRH: number, rawT: number): { temperature: number; humidity: number } {
  return { humidity: (rawRH / 2 ** 20) * 100, temperature: (rawT / 2 ** 20) * 200 - 50 };
}

/** Splits the 5 data bytes after the status byte into the two 20-bit values (5.4 step 4). */
export function aht20Raw(data: ArrayLike<number>): { rawRH: number; rawT: number } {
  const [b1, b2, b3, b4, b5] = [data[1]!, data[2]!, data[3]!, data[4]!, data[5]!];
  return { rawRH: (b1 << 12) | (b2 << 4) | (b3 >> 4), rawT: ((b3 & 0x0f) << 16) | (b4 << 8) | b5 };
}
