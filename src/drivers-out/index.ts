/** Every output driver, keyed by the YAML `driver:` name. Plugins join this map too. */
import type { OutputDriverDef } from '../core/driver.js';
import { gpioOut } from './gpio-out.js';
import { pcf8574Out } from './pcf8574-out.js';
import { pwm } from './pwm.js';
import { servo } from './servo.js';
import { ssd1306 } from './ssd1306.js';
import { hd44780 } from './hd44780.js';
import { commandOutput } from './command.js';
import { http } from './http.js';
import { email } from './email.js';
import { mcp23017Out } from './mcp23017-out.js';

export const outputDrivers = { 'gpio-out': gpioOut, 'pcf8574-out': pcf8574Out, pwm, servo, ssd1306, hd44780, command: commandOutput, http, email, 'mcp23017-out': mcp23017Out } satisfies Record<string, OutputDriverDef<any, any>>;
