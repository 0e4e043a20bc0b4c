/**
 * Every output driver, keyed by the YAML `driver:` name: the chips it drives (for `hanode scan`)
 * and its module, loaded when a scheme first uses it. Plugins join the same registry.
 */
import type { OutputDriverDef } from '../core/driver.js';
import type { LazyDriver } from '../core/registry.js';
import { PCF8574_CHIPS } from './pcf8574-port.js';
import { MCP23017_CHIPS } from './mcp23017-port.js';

export const outputDrivers = {
  'gpio-out': { load: () => import('./gpio-out.js').then((m) => m.gpioOut) },
  'pcf8574-out': { chips: PCF8574_CHIPS, load: () => import('./pcf8574-out.js').then((m) => m.pcf8574Out) },
  pwm: { load: () => import('./pwm.js').then((m) => m.pwm) },
  servo: { load: () => import('./servo.js').then((m) => m.servo) },
  ssd1306: { chips: [{ chip: 'SSD1306', addresses: [0x3c, 0x3d], note: 'OLED display' }], load: () => import('./ssd1306.js').then((m) => m.ssd1306) },
  hd44780: { chips: [
      { chip: 'PCF8574 LCD backpack', addresses: [0x27], note: 'HD44780 character LCD' },
      { chip: 'PCF8574A LCD backpack', addresses: [0x3f], note: 'HD44780 character LCD' },
    ], load: () => import('./hd44780.js').then((m) => m.hd44780) },
  command: { load: () => import('./command.js').then((m) => m.commandOutput) },
  http: { load: () => import('./http.js').then((m) => m.http) },
  email: { load: () => import('./email.js').then((m) => m.email) },
  'mcp23017-out': { chips: MCP23017_CHIPS, load: () => import('./mcp23017-out.js').then((m) => m.mcp23017Out) },
} satisfies Record<string, LazyDriver<OutputDriverDef<any, any>>>;
