/**
 * Which chips usually answer at an I2C address. A scan only sees that an address acknowledges,
 * so this is a guess shown to the user (`hanode scan`) and the seed for drafted schemes
 * (`scan --write`), never proof of what is on the bus.
 */

export interface ChipHint {
  /** Part name as printed on breakout boards, e.g. "BME280". */
  chip: string;
  /** Addresses the chip can be strapped to. */
  addresses: readonly number[];
  /** The hanode driver (the `driver:` key) that talks to it, where one exists. */
  driver?: string;
  note?: string;
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/**
 * Rows sharing an address are listed most likely first, so specific parts (an LCD backpack at
 * 0x27, a BH1750 at 0x23) come before the generic expanders that can sit anywhere in the range.
 */
export const CHIP_CATALOG: readonly ChipHint[] = [
  { chip: 'BME280', addresses: [0x76, 0x77], driver: 'bme280', note: 'temperature, humidity, pressure' },
  { chip: 'BMP280', addresses: [0x76, 0x77], driver: 'bmp280', note: 'temperature, pressure' },
  { chip: 'BME680', addresses: [0x76, 0x77], note: 'adds a gas sensor' },
  { chip: 'SSD1306', addresses: [0x3c, 0x3d], note: 'OLED display' },
  { chip: 'SH1106', addresses: [0x3c, 0x3d], note: 'OLED display' },
  { chip: 'PCF8574 LCD backpack', addresses: [0x27], note: 'HD44780 character LCD' },
  { chip: 'PCF8574A LCD backpack', addresses: [0x3f], note: 'HD44780 character LCD' },
  { chip: 'BH1750', addresses: [0x23, 0x5c], driver: 'bh1750', note: 'light sensor' },
  { chip: 'AHT20', addresses: [0x38], note: 'temperature, humidity' },
  { chip: 'TSL2561', addresses: [0x29, 0x39, 0x49], note: 'light sensor' },
  { chip: 'APDS9960', addresses: [0x39], note: 'gesture, proximity, colour' },
  { chip: 'VL53L0X', addresses: [0x29], note: 'time-of-flight distance' },
  { chip: 'TSL2591', addresses: [0x29], note: 'light sensor' },
  { chip: 'PCF8574', addresses: range(0x20, 0x27), driver: 'pcf8574-in', note: '8-bit I/O expander' },
  { chip: 'MCP23017', addresses: range(0x20, 0x27), note: '16-bit I/O expander' },
  { chip: 'PCF8574A', addresses: range(0x38, 0x3f), driver: 'pcf8574-in', note: '8-bit I/O expander' },
  { chip: 'SHT3x', addresses: [0x44, 0x45], driver: 'sht3x', note: 'temperature, humidity' },
  { chip: 'INA219', addresses: range(0x40, 0x45), driver: 'ina219', note: 'current, voltage, power' },
  { chip: 'HTU21D', addresses: [0x40], note: 'temperature, humidity' },
  { chip: 'SHT21', addresses: [0x40], note: 'temperature, humidity' },
  { chip: 'PCA9685', addresses: [0x40], note: '16-channel PWM' },
  { chip: 'ADS1115', addresses: range(0x48, 0x4b), driver: 'ads1115', note: '16-bit ADC' },
  { chip: 'ADS1015', addresses: range(0x48, 0x4b), note: '12-bit ADC' },
  { chip: 'PCF8591', addresses: range(0x48, 0x4f), note: '8-bit ADC/DAC' },
  { chip: 'TMP102', addresses: range(0x48, 0x4b), note: 'temperature' },
  { chip: 'MCP9808', addresses: range(0x18, 0x1f), driver: 'mcp9808', note: 'temperature' },
  { chip: 'ADXL345', addresses: [0x53, 0x1d], note: 'accelerometer' },
  { chip: 'AT24C32 EEPROM', addresses: [0x57], note: 'usually on a DS3231 RTC module' },
  { chip: 'CCS811', addresses: [0x5a, 0x5b], note: 'eCO2/TVOC' },
  { chip: 'MLX90614', addresses: [0x5a], note: 'IR thermometer' },
  { chip: 'MCP4725', addresses: [0x60, 0x61], note: '12-bit DAC' },
  { chip: 'DS3231', addresses: [0x68], note: 'real-time clock' },
  { chip: 'MPU6050', addresses: [0x68, 0x69], note: 'accelerometer, gyroscope' },
  { chip: 'TCA9548A', addresses: range(0x70, 0x77), note: 'I2C multiplexer' },
];

/** The catalog rows that can sit at `address`, most likely first. */
export function chipHints(address: number): ChipHint[] {
  return CHIP_CATALOG.filter((row) => row.addresses.includes(address));
}

/** Names of the chips usually found at `address`, most likely first; empty when none is known. */
export function likelyChips(address: number): string[] {
  return chipHints(address).map((row) => row.chip);
}
