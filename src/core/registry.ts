import type { InputDriverDef, OutputDriverDef } from './driver.js';
import { inputDrivers } from '../drivers-in/index.js';
import { outputDrivers } from '../drivers-out/index.js';

/** The drivers a node can use: the built-ins plus any plugins. Passed in, never reached for. */
export interface DriverRegistry {
  inputs: Record<string, InputDriverDef<any>>;
  outputs: Record<string, OutputDriverDef<any, any>>;
}

export function builtinRegistry(): DriverRegistry {
  return { inputs: { ...inputDrivers }, outputs: { ...outputDrivers } };
}
