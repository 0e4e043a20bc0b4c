/** Every output driver, keyed by the YAML `driver:` name. Plugins join this map too. */
import type { OutputDriverDef } from '../core/driver.js';

export const outputDrivers = {} satisfies Record<string, OutputDriverDef<any, any>>;
