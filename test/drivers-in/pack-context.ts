/**
 * Contexts for the driver-pack tests: the recording contexts of context.ts plus the newer parts
 * (`event`, `persist`, `states`), each recorded so a test can look at what the driver did.
 */
import type { Reading } from '../../src/core/driver.js';
import type { Hardware } from '../../src/hardware/types.js';
import { inputContext, outputContext, type RecordingInputContext } from './context.js';

export interface PackInputContext extends RecordingInputContext {
  events: { event: string; data?: Record<string, unknown> }[];
  /** What `persist` holds; pass one in to simulate what survived a restart. */
  stored: Map<string, number>;
  /** How often `persist.set` was called. */
  persistWrites: number;
}

export function packInputContext(hardware: Hardware, id = 'test-scheme', stored = new Map<string, number>()): PackInputContext {
  const ctx = inputContext(hardware, id) as PackInputContext;
  ctx.events = [];
  ctx.stored = stored;
  ctx.persistWrites = 0;
  Object.assign(ctx, {
    event: (event: string, data?: Record<string, unknown>) => ctx.events.push(data === undefined ? { event } : { event, data }),
    persist: {
      get: (key: string) => stored.get(key),
      set: async (key: string, value: number) => {
        ctx.persistWrites++;
        stored.set(key, value);
      },
    },
    states: noStates,
  });
  return ctx;
}

const noStates = { get: (_id: string): Reading | undefined => undefined, watch: () => () => {} };

export function packOutputContext(hardware: Hardware, id = 'test-scheme') {
  return { ...outputContext(hardware, id), persist: { get: () => undefined, set: async () => {} }, states: noStates };
}
