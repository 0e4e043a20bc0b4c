/**
 * Which chips usually answer at an I2C address. A scan only sees that an address acknowledges,
 * so this is a guess shown to the user (`hanode scan`, `$info`) and the seed for drafted schemes
 * (`scan --write`), never proof of what is on the bus.
 *
 * The catalog is built from the driver registry (each driver definition lists the chips it reads
 * under `chips:`) plus {@link KNOWN_CHIPS}, the common parts hanode has no driver for. It is passed
 * to `Hardware.scan`, so this folder never imports a driver.
 */

export interface ChipHint {
  /** Part name as printed on breakout boards, e.g. "BME280". */
  chip: string;
  /** Addresses the chip can be strapped to. */
  addresses: readonly number[];
  /** The hanode driver (the `driver:` key) that talks to it, where one exists. */
  driver?: string;
  note?: string;
  /**
   * A general-purpose part (an I/O expander, an ADC, a multiplexer) that can be strapped across a
   * range many other parts share: at an address it is listed after the parts made for one job.
   */
  generic?: boolean;
}

/** A chip as a driver definition lists it: the registry key supplies `driver`. */
export type DriverChip = Omit<ChipHint, 'driver'>;

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Common I2C parts hanode has no driver for, most likely first among those sharing an address. */
export const KNOWN_CHIPS: readonly ChipHint[] = [
  { chip: 'BME680', addresses: [0x76, 0x77], note: 'adds a gas sensor' },
  { chip: 'SH1106', addresses: [0x3c, 0x3d], note: 'OLED display' },
  { chip: 'TSL2561', addresses: [0x29, 0x39, 0x49], note: 'light sensor' },
  { chip: 'APDS9960', addresses: [0x39], note: 'gesture, proximity, colour' },
  { chip: 'VL53L0X', addresses: [0x29], note: 'time-of-flight distance' },
  { chip: 'TSL2591', addresses: [0x29], note: 'light sensor' },
  { chip: 'HTU21D', addresses: [0x40], note: 'temperature, humidity' },
  { chip: 'SHT21', addresses: [0x40], note: 'temperature, humidity' },
  { chip: 'PCA9685', addresses: [0x40], note: '16-channel PWM' },
  { chip: 'ADS1015', addresses: range(0x48, 0x4b), note: '12-bit ADC', generic: true },
  { chip: 'PCF8591', addresses: range(0x48, 0x4f), note: '8-bit ADC/DAC', generic: true },
  { chip: 'TMP102', addresses: range(0x48, 0x4b), note: 'temperature', generic: true },
  { chip: 'ADXL345', addresses: [0x53, 0x1d], note: 'accelerometer' },
  { chip: 'AT24C32 EEPROM', addresses: [0x57], note: 'usually on a DS3231 RTC module' },
  { chip: 'CCS811', addresses: [0x5a, 0x5b], note: 'eCO2/TVOC' },
  { chip: 'MLX90614', addresses: [0x5a], note: 'IR thermometer' },
  { chip: 'MCP4725', addresses: [0x60, 0x61], note: '12-bit DAC' },
  { chip: 'DS3231', addresses: [0x68], note: 'real-time clock' },
  { chip: 'MPU6050', addresses: [0x68, 0x69], note: 'accelerometer, gyroscope' },
  { chip: 'TCA9548A', addresses: range(0x70, 0x77), note: 'I2C multiplexer', generic: true },
];

/** The chip rows of a set of drivers, by driver name (a `DriverRegistry` fits, without loading a driver). */
export interface ChipSources {
  chips(): { driver: string; chips: readonly DriverChip[] }[];
}

/** The chip catalog a scan annotates its I2C addresses with. */
export class ChipCatalog {
  /**
   * Rows sharing an address are listed most likely first: parts made for one job before the
   * generic ones; among those, chips with a driver (in registry order) before the others.
   */
  readonly rows: readonly ChipHint[];

  /** `withDriver` first, then `others`; a chip named twice keeps its first row (the first driver that reads it). */
  constructor(withDriver: readonly ChipHint[], others: readonly ChipHint[] = KNOWN_CHIPS) {
    const seen = new Set<string>();
    const unique = [...withDriver, ...others].filter((row) => !seen.has(row.chip) && seen.add(row.chip));
    this.rows = [...unique.filter((row) => !row.generic), ...unique.filter((row) => row.generic)];
  }

  /** The catalog of the drivers in `registry` plus {@link KNOWN_CHIPS}. */
  static of(registry: ChipSources): ChipCatalog {
    const rows = registry.chips().flatMap(({ driver, chips }) => chips.map((chip) => ({ ...chip, driver })));
    return new ChipCatalog(rows);
  }

  /** The rows that can sit at `address`, most likely first. */
  hints(address: number): ChipHint[] {
    return this.rows.filter((row) => row.addresses.includes(address));
  }

  /** Names of the chips usually found at `address`, most likely first; empty when none is known. */
  likely(address: number): string[] {
    return this.hints(address).map((row) => row.chip);
  }
}
