/**
 * The built-in drivers, keyed by the YAML `driver:` name: the typed maps of src/drivers-in and
 * src/drivers-out. Commands and the agent pass the registry on; nothing in src/core or
 * src/hardware imports it.
 */
import type { DriverRegistry } from './core/registry.js';
import { inputDrivers } from './drivers-in/index.js';
import { outputDrivers } from './drivers-out/index.js';

/** A fresh registry of the built-in drivers; plugins are added to it by `loadPlugins`. */
export function builtinRegistry(): DriverRegistry {
  return { inputs: { ...inputDrivers }, outputs: { ...outputDrivers } };
}
