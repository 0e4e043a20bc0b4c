/**
 * Every input driver, keyed by the YAML `driver:` name: the chips it reads (for `hanode scan`) and
 * its module, loaded when a scheme first uses it (a node loads only the drivers it runs).
 * Plugins join the same registry.
 */
import type { InputDriverDef } from '../core/driver.js';
import type { LazyDriver } from '../core/registry.js';
import { PCF8574_CHIPS } from '../drivers-out/pcf8574-port.js';
import { MCP23017_CHIPS } from '../drivers-out/mcp23017-port.js';

export const inputDrivers = {
  bme280: { chips: [{ chip: 'BME280', addresses: [0x76, 0x77], note: 'temperature, humidity, pressure' }], load: () => import('./bme280.js').then((m) => m.bme280) },
  ds18b20: { load: () => import('./ds18b20.js').then((m) => m.ds18b20) },
  'gpio-in': { load: () => import('./gpio-in.js').then((m) => m.gpioIn) },
  mcp3008: { load: () => import('./mcp3008.js').then((m) => m.mcp3008) },
  system: { load: () => import('./system.js').then((m) => m.system) },
  button: { load: () => import('./button.js').then((m) => m.button) },
  'pulse-counter': { load: () => import('./pulse-counter.js').then((m) => m.pulseCounter) },
  'http-json': { load: () => import('./http-json.js').then((m) => m.httpJson) },
  command: { load: () => import('./command.js').then((m) => m.commandInput) },
  bmp280: { chips: [{ chip: 'BMP280', addresses: [0x76, 0x77], note: 'temperature, pressure' }], load: () => import('./bmp280.js').then((m) => m.bmp280) },
  sht3x: { chips: [{ chip: 'SHT3x', addresses: [0x44, 0x45], note: 'temperature, humidity' }], load: () => import('./sht3x.js').then((m) => m.sht3x) },
  bh1750: { chips: [{ chip: 'BH1750', addresses: [0x23, 0x5c], note: 'light sensor' }], load: () => import('./bh1750.js').then((m) => m.bh1750) },
  ads1115: { chips: [{ chip: 'ADS1115', addresses: [0x48, 0x49, 0x4a, 0x4b], note: '16-bit ADC', generic: true }], load: () => import('./ads1115.js').then((m) => m.ads1115) },
  mcp9808: { chips: [{ chip: 'MCP9808', addresses: [0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f], note: 'temperature' }], load: () => import('./mcp9808.js').then((m) => m.mcp9808) },
  ina219: { chips: [{ chip: 'INA219', addresses: [0x40, 0x41, 0x42, 0x43, 0x44, 0x45], note: 'current, voltage, power' }], load: () => import('./ina219.js').then((m) => m.ina219) },
  'pcf8574-in': { chips: PCF8574_CHIPS, load: () => import('./pcf8574-in.js').then((m) => m.pcf8574In) },
  aht20: { chips: [{ chip: 'AHT20', addresses: [0x38], note: 'temperature, humidity' }], load: () => import('./aht20.js').then((m) => m.aht20) },
  scd4x: { chips: [{ chip: 'SCD40/SCD41', addresses: [0x62], note: 'CO₂, temperature, humidity' }], load: () => import('./scd4x.js').then((m) => m.scd4x) },
  'mcp23017-in': { chips: MCP23017_CHIPS, load: () => import('./mcp23017-in.js').then((m) => m.mcp23017In) },
  dht22: { load: () => import('./dht22.js').then((m) => m.dht22) },
  pms5003: { load: () => import('./pms5003.js').then((m) => m.pms5003) },
  'serial-line': { load: () => import('./serial-line.js').then((m) => m.serialLine) },
} satisfies Record<string, LazyDriver<InputDriverDef<any>>>;
