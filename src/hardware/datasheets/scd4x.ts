/**
 * Sensirion SCD40/SCD41 facts both the driver and the sim model need (SCD4x datasheet, section
 * 3): the 16-bit commands, the data-ready mask and the signal conversion. Words travel MSB first,
 * each followed by the Sensirion CRC-8 (crc8.ts).
 */
export const SCD4X = {
  startPeriodic: 0x21b1, // 3.5.1
  readMeasurement: 0xec05, // 3.5.2, 1 ms
  stopPeriodic: 0x3f86, // 3.5.3, 500 ms before the next command
  setAltitude: 0x2427, // 3.6.3, idle mode only
  setAmbientPressure: 0xe000, // 3.6.5, also during periodic measurement
  dataReady: 0xe4b8, // 3.8.2, 1 ms
} as const;

/** 3.8.2: the data is ready when the 11 least significant bits of the status word are not all 0. */
export const SCD4X_READY_MASK = 0x07ff;

/** 3.5.2: CO₂ in ppm as sent, T = −45 + 175 · word / 2^16, RH = 100 · word / 2^16. */
export function scd4xConvert(co2: number, rawT: number, rawRH: number): { co2: number; temperature: number; humidity: number } {
  return { co2, temperature: -45 + (175 * rawT) / 2 ** 16, humidity: (100 * rawRH) / 2 ** 16 };
}
