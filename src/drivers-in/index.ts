/** Every input driver, keyed by the YAML `driver:` name. Plugins join this map too. */
import type { InputDriverDef } from '../core/driver.js';
import { bme280 } from './bme280.js';
import { ds18b20 } from './ds18b20.js';
import { gpioIn } from './gpio-in.js';
import { mcp3008 } from './mcp3008.js';
import { system } from './system.js';
import { button } from './button.js';
import { pulseCounter } from './pulse-counter.js';
import { httpJson } from './http-json.js';
import { commandInput } from './command.js';
import { bmp280 } from './bmp280.js';
import { sht3x } from './sht3x.js';
import { bh1750 } from './bh1750.js';
import { ads1115 } from './ads1115.js';
import { mcp9808 } from './mcp9808.js';
import { ina219 } from './ina219.js';
import { pcf8574In } from './pcf8574-in.js';
import { aht20 } from './aht20.js';
import { scd4x } from './scd4x.js';
import { mcp23017In } from './mcp23017-in.js';
import { dht22 } from './dht22.js';
import { pms5003 } from './pms5003.js';
import { serialLine } from './serial-line.js';

export const inputDrivers = { bme280, ds18b20, 'gpio-in': gpioIn, mcp3008, system, button, 'pulse-counter': pulseCounter, 'http-json': httpJson, command: commandInput, bmp280, sht3x, bh1750, ads1115, mcp9808, ina219, 'pcf8574-in': pcf8574In, aht20, scd4x, 'mcp23017-in': mcp23017In, dht22, pms5003, 'serial-line': serialLine } satisfies Record<string, InputDriverDef<any>>;
