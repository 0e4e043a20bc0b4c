/** What the display tests share: a StateView whose states the test publishes, and an output context with it. */
import type { OutputContext, Reading, StateView } from '../../src/core/driver.js';
import type { Hardware } from '../../src/hardware/types.js';
import { silent } from '../drivers-in/context.js';

export interface FakeStates extends StateView {
  /** Sets a scheme's state and tells the watchers, as the agent does on every publish. */
  publish(id: string, state: Reading): void;
  readonly watchers: number;
}

export function fakeStates(initial: Record<string, Reading> = {}): FakeStates {
  const states = new Map(Object.entries(initial));
  const watchers = new Set<(id: string, state: Reading) => void>();
  return {
    get: (id) => states.get(id),
    watch(fn) {
      watchers.add(fn);
      return () => watchers.delete(fn);
    },
    publish(id, state) {
      states.set(id, state);
      for (const fn of watchers) fn(id, state);
    },
    get watchers() {
      return watchers.size;
    },
  };
}

/** An output context whose `updates` records every state the driver published by itself (`ctx.update`). */
export function displayContext(hardware: Hardware, states: StateView = fakeStates(), id = 'display'): OutputContext & { updates: Reading[] } {
  const updates: Reading[] = [];
  return { id, hardware, log: silent, states, persist: { get: () => undefined, set: async () => {} }, updates, update: (s) => void updates.push(s) };
}

/** Resolves once queued redraws (scheduled from watch callbacks) have run. */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
