/**
 * The PCF8574 "backpack" that drives an HD44780 character LCD over I2C: which expander pin (P0–P7)
 * drives which LCD line. Shared by the hd44780 driver, which toggles the pins, and its sim model,
 * which decodes them.
 */

/** Which PCF8574 pin (P0–P7) drives which LCD line. */
export interface BackpackPins {
  rs: number;
  rw: number;
  e: number;
  backlight: number;
  d4: number;
  d5: number;
  d6: number;
  d7: number;
}

/** The wiring of the common blue backpacks. */
export const COMMON_BACKPACK: Readonly<BackpackPins> = { rs: 0, rw: 1, e: 2, backlight: 3, d4: 4, d5: 5, d6: 6, d7: 7 };
