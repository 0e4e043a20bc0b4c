/** Every output driver, keyed by the YAML `driver:` name. Plugins join this map too. */
import type { OutputDriverDef } from '../core/driver.js';
import { gpioOut } from './gpio-out.js';

export const outputDrivers = { 'gpio-out': gpioOut } satisfies Record<string, OutputDriverDef<any, any>>;
