/** Every input driver, keyed by the YAML `driver:` name. Plugins join this map too. */
import type { InputDriverDef } from '../core/driver.js';

export const inputDrivers = {} satisfies Record<string, InputDriverDef<any>>;
