/**
 * Attaching a built-in driver's sim model from options as a test writes them: the driver's
 * schema defaults fill in what the test leaves out, as they do for a scheme file, but a value
 * the schema would refuse (a BME280 at 0x20, to provoke a clash) is kept as given.
 */
import type { z } from 'zod';
import type { SimDevice, SimHardware } from '../../../src/hardware/sim/index.js';
import { builtins } from '../../helpers/drivers.js';

const registry = builtins;

export function attachScheme(hw: SimHardware, schemeId: string, driver: string, given: object = {}): SimDevice | undefined {
  const def = registry.inputs[driver] ?? registry.outputs[driver];
  if (!def) throw new Error(`no built-in driver '${driver}'`);
  const shape = (def.schema as z.ZodObject).shape as Record<string, z.ZodType>;
  const defaults: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(shape)) {
    const result = field.safeParse(undefined);
    if (result.success && result.data !== undefined) defaults[key] = result.data;
  }
  return hw.attach(schemeId, def.sim, { ...defaults, ...given, id: schemeId, driver, retain: true, qos: 1 });
}
