// Lives beside the linux tests because the scan is the catalog's user.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHIP_CATALOG, chipHints, likelyChips } from '../../../src/hardware/catalog.js';

test('likelyChips lists the usual suspects, most likely first', () => {
  const cases: [number, string[]][] = [
    [0x76, ['BME280', 'BMP280', 'BME680', 'TCA9548A']],
    [0x3c, ['SSD1306', 'SH1106', 'PCF8574A']],
    [0x27, ['PCF8574 LCD backpack', 'PCF8574', 'MCP23017']],
    [0x23, ['BH1750', 'PCF8574', 'MCP23017']],
    [0x5c, ['BH1750']],
    [0x44, ['SHT3x', 'INA219']],
    [0x40, ['INA219', 'HTU21D', 'SHT21', 'PCA9685']],
    [0x48, ['ADS1115', 'ADS1015', 'PCF8591', 'TMP102']],
    [0x18, ['MCP9808']],
    [0x68, ['DS3231', 'MPU6050']],
    [0x57, ['AT24C32 EEPROM']],
    [0x70, ['TCA9548A']],
    [0x08, []],
  ];
  for (const [address, chips] of cases) assert.deepEqual(likelyChips(address), chips, `0x${address.toString(16)}`);
});

test('the BME280 row names the hanode driver that reads it', () => {
  assert.equal(chipHints(0x77)[0]?.driver, 'bme280');
  for (const row of CHIP_CATALOG) {
    for (const a of row.addresses) assert.ok(a >= 0x03 && a <= 0x77, `${row.chip} at ${a}`);
  }
});
