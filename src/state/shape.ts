/**
 * What `data/state.json` holds, and the check that a file read back really has that shape.
 * The check is strict about types but lenient about missing sections, so a file written by an
 * older hanode (without, say, `counters`) still loads.
 */
import type { Reading } from '../core/driver.js';

/** The last state of one scheme, as saved. `ts` is ISO-8601. */
export interface SavedState {
  state: Reading;
  ts: string;
}

/** Changes made at run time through `$request`, which must survive a restart. */
export interface Overrides {
  /** Polling interval per input scheme id, in ms. */
  intervals: Record<string, number>;
  disabled: { schemes: string[]; rules: string[] };
  /** Enabled at run time although their file says `enabled: false`. */
  enabled: { schemes: string[]; rules: string[] };
}

/** The whole file. */
export interface StateData {
  version: 1;
  /** Last state per scheme id (inputs and outputs). */
  states: Record<string, SavedState>;
  overrides: Overrides;
  /** Pulse-counter totals per scheme id. */
  counters: Record<string, number>;
}

/** A fresh, empty state. */
export function emptyState(): StateData {
  return { version: 1, states: {}, overrides: { intervals: {}, disabled: { schemes: [], rules: [] }, enabled: { schemes: [], rules: [] } }, counters: {} };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
const isScalar = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);

/**
 * Returns `raw` as {@link StateData}, filling in missing sections, or throws an Error saying
 * what is wrong. Anything of the wrong type counts as corruption: guessing would risk
 * restoring an output to a state nobody set.
 */
export function parseStateData(raw: unknown): StateData {
  if (!isObject(raw)) throw new Error('expected a JSON object at the top');
  if (raw.version !== undefined && raw.version !== 1) throw new Error(`unknown version ${JSON.stringify(raw.version)}`);
  const data = emptyState();

  const states = raw.states ?? {};
  if (!isObject(states)) throw new Error("'states' is not an object");
  for (const [id, saved] of Object.entries(states)) {
    if (!isObject(saved) || !isObject(saved.state) || typeof saved.ts !== 'string' || Number.isNaN(Date.parse(saved.ts))) {
      throw new Error(`states.${id} is not {state, ts}`);
    }
    if (!Object.values(saved.state).every(isScalar)) throw new Error(`states.${id}.state has a nested value`);
    data.states[id] = { state: saved.state as Reading, ts: saved.ts };
  }

  const overrides = raw.overrides ?? {};
  if (!isObject(overrides)) throw new Error("'overrides' is not an object");
  const intervals = overrides.intervals ?? {};
  if (!isObject(intervals) || !Object.values(intervals).every((ms) => typeof ms === 'number' && Number.isFinite(ms) && ms > 0)) {
    throw new Error("'overrides.intervals' is not a map of positive numbers");
  }
  data.overrides.intervals = intervals as Record<string, number>;
  for (const which of ['disabled', 'enabled'] as const) {
    const lists = overrides[which] ?? {};
    if (!isObject(lists)) throw new Error(`'overrides.${which}' is not an object`);
    for (const kind of ['schemes', 'rules'] as const) {
      const list = lists[kind] ?? [];
      if (!isStringArray(list)) throw new Error(`'overrides.${which}.${kind}' is not a list of ids`);
      data.overrides[which][kind] = [...new Set(list)];
    }
  }

  const counters = raw.counters ?? {};
  if (!isObject(counters) || !Object.values(counters).every((n) => typeof n === 'number' && Number.isFinite(n))) {
    throw new Error("'counters' is not a map of numbers");
  }
  data.counters = counters as Record<string, number>;
  return data;
}
