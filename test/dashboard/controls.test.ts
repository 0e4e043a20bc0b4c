/** Which controls the dashboard gives each output driver, from its command schema (README "Dashboard"). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { controlsOf } from '../../src/http/dashboard/routes.js';
import { builtins } from '../helpers/drivers.js';

const registry = builtins;
const of = (driver: string) => {
  const def = registry.outputs[driver];
  return controlsOf(def.command, def.fields);
};

test('each output driver gets the controls its commands allow', () => {
  const cases: [string, object][] = [
    ['gpio-out', { toggle: true, for: true }],
    ['pcf8574-out', { toggle: true, for: true }],
    ['mcp23017-out', { toggle: true, for: true }],
    ['pwm', { toggle: true, slider: { field: 'brightness', min: 0, max: 100, unit: '%' }, for: true }],
    ['servo', { slider: { field: 'angle', min: 0, max: 180, unit: '°' } }],
    ['ssd1306', { toggle: true, text: true, for: true }],
    ['hd44780', { toggle: true, text: true, for: true }],
    ['email', { text: true }],
    ['http', {}],
  ];
  for (const [driver, want] of cases) assert.deepEqual(of(driver), want, driver);
});
