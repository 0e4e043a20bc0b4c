/**
 * One stage per filter kind. A stage either rewrites field values (offset, average, debounce …)
 * or votes on whether the reading goes out (delta, throttle); heartbeat lives in the chain itself,
 * because it overrides the votes of every other stage.
 */
import type { Reading } from '../core/driver.js';
import type { FilterSpec } from '../schemes/filter-schema.js';

export interface StageContext {
  /** Time of the reading, ms since the epoch. */
  t: number;
  /** Time of the last reading the chain let out, if any. */
  lastPublished?: number;
  /** True when a heartbeat is due: gates must let the reading through. */
  rescue: boolean;
}

export interface Stage {
  /** Returns the (possibly changed) reading, or null when it must be dropped. */
  run(reading: Reading, ctx: StageContext): Reading | null;
  /** The reading that passed through this stage was published. */
  commit?(): void;
  /** When re-running the last reading would change the outcome (a debounce maturing), if ever. */
  wakeAt?(): number | undefined;
  reset(): void;
}

type Value = Reading[string];

const isNumber = (v: Value): v is number => typeof v === 'number' && Number.isFinite(v);
const isBinary = (v: Value): v is 'ON' | 'OFF' | boolean => v === 'ON' || v === 'OFF' || typeof v === 'boolean';

/** The fields a filter acts on: the named one, or all fields of the right kind. */
function targets(reading: Reading, field: string | undefined, want: (v: Value) => boolean): string[] {
  if (field !== undefined) return field in reading && want(reading[field]) ? [field] : [];
  return Object.keys(reading).filter((k) => want(reading[k]));
}

/** A stateless per-field rewrite of numbers. */
function mapNumbers(field: string | undefined, fn: (v: number) => number): Stage {
  return {
    run(reading) {
      const out = { ...reading };
      for (const k of targets(reading, field, isNumber)) out[k] = fn(reading[k] as number);
      return out;
    },
    reset() {},
  };
}

/** Rounds half away from zero, without 1.005 turning into 1.00 through binary floating point. */
export function roundTo(value: number, decimals: number): number {
  const f = 10 ** decimals;
  const scaled = Number((Math.abs(value) * f).toPrecision(15));
  return (Math.sign(value) * Math.round(scaled)) / f;
}

/** Least-squares line through [raw, real] points: real = slope · raw + intercept. */
export function fitLine(points: readonly [number, number][]): { slope: number; intercept: number } {
  const n = points.length;
  let sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const [x, y] of points) {
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  return { slope, intercept: (sy - slope * sx) / n };
}

/** Mean or median of the last `size` values of each field. */
function windowed(field: string | undefined, size: number, summarise: (values: number[]) => number): Stage {
  const windows = new Map<string, number[]>();
  return {
    run(reading) {
      const out = { ...reading };
      for (const k of targets(reading, field, isNumber)) {
        const w = windows.get(k) ?? [];
        w.push(reading[k] as number);
        if (w.length > size) w.shift();
        windows.set(k, w);
        out[k] = summarise(w);
      }
      return out;
    },
    reset: () => windows.clear(),
  };
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Polled readings have no edges to time, so a new ON/OFF value is accepted once it has been seen
 * in every reading for at least `ms`; until then the last accepted value stands.
 */
function debounce(field: string | undefined, ms: number): Stage {
  const state = new Map<string, { accepted: Value; candidate?: Value; since?: number }>();
  return {
    run(reading, { t }) {
      const out = { ...reading };
      for (const k of targets(reading, field, isBinary)) {
        const v = reading[k];
        const s = state.get(k);
        if (!s || ms === 0) {
          state.set(k, { accepted: v });
          continue;
        }
        if (v === s.accepted) {
          s.candidate = s.since = undefined;
        } else if (v !== s.candidate) {
          s.candidate = v;
          s.since = t;
        } else if (t - s.since! >= ms) {
          state.set(k, { accepted: v });
          continue;
        }
        out[k] = s.accepted;
      }
      return out;
    },
    wakeAt() {
      const due = [...state.values()].filter((s) => s.since !== undefined).map((s) => s.since! + ms);
      return due.length ? Math.min(...due) : undefined;
    },
    reset: () => state.clear(),
  };
}

function invert(field: string | undefined, on: boolean): Stage {
  const flip = (v: Value): Value => (v === 'ON' ? 'OFF' : v === 'OFF' ? 'ON' : !v);
  return {
    run(reading) {
      if (!on) return reading;
      const out = { ...reading };
      for (const k of targets(reading, field, isBinary)) out[k] = flip(reading[k]);
      return out;
    },
    reset() {},
  };
}

/** Lets a reading out only when some field moved by at least `min` since the last published one. */
function delta(field: string | undefined, min: number): Stage {
  let published = new Map<string, Value>();
  let pending = new Map<string, Value>();
  const moved = (before: Value | undefined, now: Value) => {
    if (before === undefined) return true;
    if (before === now) return false;
    return isNumber(before) && isNumber(now) ? Math.abs(now - before) >= min : true;
  };
  return {
    run(reading, { rescue }) {
      // Every field but the clock counts: a state change is a change, too.
      const keys = targets(reading, field, (v) => isNumber(v) || isBinary(v) || typeof v === 'string');
      pending = new Map(keys.map((k) => [k, reading[k]]));
      if (rescue || keys.length === 0 || keys.some((k) => moved(published.get(k), reading[k]))) return reading;
      return null;
    },
    commit() {
      for (const [k, v] of pending) published.set(k, v);
    },
    reset() {
      published = new Map();
      pending = new Map();
    },
  };
}

function throttle(ms: number): Stage {
  return {
    run(reading, { t, lastPublished, rescue }) {
      // A clock that jumped backwards must not hold readings back for that long.
      if (rescue || lastPublished === undefined || t < lastPublished || t - lastPublished >= ms) return reading;
      return null;
    },
    reset() {},
  };
}

/** The stage for one parsed filter. Heartbeat has no stage: the chain handles it. */
export function stageFor(spec: FilterSpec): Stage | undefined {
  switch (spec.kind) {
    case 'offset':
      return mapNumbers(spec.field, (v) => v + spec.value);
    case 'multiply':
      return mapNumbers(spec.field, (v) => v * spec.value);
    case 'calibrate': {
      const { slope, intercept } = fitLine(spec.value);
      return mapNumbers(spec.field, (v) => slope * v + intercept);
    }
    case 'round':
      return mapNumbers(spec.field, (v) => roundTo(v, spec.value));
    case 'clamp': {
      const [lo, hi] = spec.value;
      return mapNumbers(spec.field, (v) => Math.min(hi ?? Infinity, Math.max(lo ?? -Infinity, v)));
    }
    case 'average':
      return windowed(spec.field, spec.value, mean);
    case 'median':
      return windowed(spec.field, spec.value, median);
    case 'debounce':
      return debounce(spec.field, spec.value);
    case 'invert':
      return invert(spec.field, spec.value);
    case 'delta':
      return delta(spec.field, spec.value);
    case 'throttle':
      return throttle(spec.value);
    case 'heartbeat':
      return undefined;
  }
}
