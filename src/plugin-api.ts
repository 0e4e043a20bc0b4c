/**
 * What a plugin module may import: `import { z, polled, defineInput } from 'hanode/plugin'`.
 * The same pieces the built-in drivers are made of, so a plugin's options read and validate alike.
 */
export { z } from 'zod';
export { defineInput, defineOutput } from './core/driver.js';
export type { InputDriverDef, OutputDriverDef, InputContext, OutputContext, DriverContext, Reading, FieldDef } from './core/driver.js';
export { duration, polled, i2cDevice, spiDevice, pin, levelName } from './schemes/pieces.js';
