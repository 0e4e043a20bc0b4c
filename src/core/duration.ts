/**
 * Durations in config and payloads: a number of milliseconds, or text such as `250ms`, `30s`,
 * `5m`, `1h`. Every duration hanode takes has explicit bounds (README "Limits and failure
 * behaviour"): at most {@link MAX_DURATION_MS} (7 days), and some kinds a floor, so a value
 * such as `1e308` or `600h` is refused, naming the bound, instead of becoming a timer that Node
 * fires at once.
 */
export const DURATION_PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/;

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** The longest duration anything in hanode takes: 7 days (`168h`). */
export const MAX_DURATION_MS = 7 * 24 * 3_600_000;

/** The shortest poll interval (`interval`, `$request/interval`). */
export const MIN_INTERVAL_MS = 10;

/** Inclusive bounds in milliseconds. */
export interface DurationBounds {
  /** Default 0. */
  min?: number;
  /** Default {@link MAX_DURATION_MS}. */
  max?: number;
  /** True when `min` itself is refused (a period of 0 is no period). */
  exclusiveMin?: boolean;
}

/** The bounds of a poll interval. */
export const INTERVAL_BOUNDS: DurationBounds = { min: MIN_INTERVAL_MS };
/** The bounds of a period that must not be 0 (`every`, `heartbeat`). */
export const PERIOD_BOUNDS: DurationBounds = { min: 0, exclusiveMin: true };

/** The words for a value that is not a duration at all. */
export const NOT_A_DURATION = 'expected a duration such as 500ms, 30s, 5m or 1h';

/** Returns milliseconds, or undefined when `value` is not a finite, non-negative duration. No bounds applied. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = DURATION_PATTERN.exec(value.trim());
  if (!match) return undefined;
  const ms = Math.round(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * Why `ms` is outside `bounds` ("expected a duration of at most 168h (7 days)"), or undefined
 * when it is inside. The caller adds what it got.
 */
export function boundsError(ms: number, bounds: DurationBounds = {}): string | undefined {
  const min = bounds.min ?? 0;
  const max = bounds.max ?? MAX_DURATION_MS;
  if (ms > max) return `expected a duration of at most ${formatDuration(max)}${max === MAX_DURATION_MS ? ' (7 days)' : ''}`;
  if (bounds.exclusiveMin && ms <= min) return `expected a duration longer than ${min === 0 ? '0' : formatDuration(min)}`;
  if (ms < min) return `expected a duration of at least ${formatDuration(min)}`;
  return undefined;
}

export type DurationCheck = { ok: true; ms: number } | { ok: false; error: string };

/** Parses `value` and checks it against `bounds`; the error says the bound and what was given. */
export function checkDuration(value: unknown, bounds: DurationBounds = {}): DurationCheck {
  const ms = parseDuration(value);
  const error = ms === undefined ? NOT_A_DURATION : boundsError(ms, bounds);
  return error === undefined ? { ok: true, ms: ms! } : { ok: false, error: `${error}, got ${showValue(value)}` };
}

/** A short rendering of a rejected value for an error message. */
function showValue(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : typeof value === 'number' ? String(value) : value === undefined ? 'nothing' : value === null ? 'null' : typeof value;
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}

export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0 && ms > 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}
