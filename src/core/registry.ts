import type { InputDriverDef, OutputDriverDef } from './driver.js';

/**
 * The drivers a node can use: the built-ins (`builtinRegistry()` in src/cli/registry.ts) plus any
 * plugins. Passed in, never reached for.
 */
export interface DriverRegistry {
  inputs: Record<string, InputDriverDef<any>>;
  outputs: Record<string, OutputDriverDef<any, any>>;
}
