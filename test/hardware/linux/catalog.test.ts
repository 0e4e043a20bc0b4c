// Lives beside the linux tests because the scan is the catalog's user.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChipCatalog, KNOWN_CHIPS } from '../../../src/hardware/catalog.js';
import { builtins } from '../../helpers/drivers.js';

const catalog = ChipCatalog.of(builtins);

test('likely chips are the usual suspects, most likely first', () => {
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
  for (const [address, chips] of cases) assert.deepEqual(catalog.likely(address), chips, `0x${address.toString(16)}`);
});

test('the BME280 row names the hanode driver that reads it', () => {
  assert.equal(catalog.hints(0x77)[0]?.driver, 'bme280');
  for (const row of catalog.rows) {
    for (const a of row.addresses) assert.ok(a >= 0x03 && a <= 0x77, `${row.chip} at ${a}`);
  }
});

test('the display rows name their drivers: SSD1306 → ssd1306, the LCD backpacks → hd44780', () => {
  assert.equal(catalog.hints(0x3c)[0]?.driver, 'ssd1306');
  assert.deepEqual(
    [0x27, 0x3f].map((a) => [catalog.hints(a)[0]?.chip, catalog.hints(a)[0]?.driver]),
    [
      ['PCF8574 LCD backpack', 'hd44780'],
      ['PCF8574A LCD backpack', 'hd44780'],
    ],
  );
});

test('a chip read by two drivers is listed once, with the first driver in the registry', () => {
  assert.deepEqual(
    catalog.rows.filter((r) => r.chip === 'PCF8574').map((r) => r.driver),
    ['pcf8574-in'],
  );
});

test('the table of chips without a driver names no driver, and no chip a built-in driver reads', () => {
  const read = new Set(catalog.rows.filter((r) => r.driver).map((r) => r.chip));
  for (const row of KNOWN_CHIPS) {
    assert.equal(row.driver, undefined, row.chip);
    assert.ok(!read.has(row.chip), `${row.chip} has a driver now: drop its row from KNOWN_CHIPS`);
  }
});

test('a registry without drivers still knows the common parts; a plugin driver\'s chips join the catalog', () => {
  assert.deepEqual(ChipCatalog.of({ chips: () => [] }).likely(0x76), ['BME680', 'TCA9548A']);
  const withPlugin = ChipCatalog.of({ chips: () => [{ driver: 'bme680-plugin', chips: [{ chip: 'BME680', addresses: [0x76, 0x77] }] }] });
  assert.equal(withPlugin.hints(0x77)[0]?.driver, 'bme680-plugin');
});
