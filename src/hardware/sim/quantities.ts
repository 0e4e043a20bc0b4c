/**
 * Checking what `$sim/S/set` asks for: every key must be known and every value of the right type
 * and range, and the error names the keys that would have been accepted.
 */

/** How one settable quantity is checked. */
export interface QuantitySpec {
  type: 'number' | 'boolean' | 'level';
  /** Inclusive range for numbers. */
  min?: number;
  max?: number;
  unit?: string;
  /** Accept null (e.g. a CPU without a temperature sensor). */
  nullable?: boolean;
}

/**
 * Returns `quantities` typed by `spec`, or throws an Error such as
 * `bme280 sim: unknown key 'temp'; expected temperature, humidity, pressure, fail`.
 */
export function checkQuantities<K extends string>(
  label: string,
  quantities: Record<string, unknown>,
  spec: Record<K, QuantitySpec>,
): Partial<Record<K, number | boolean | null>> {
  const expected = Object.keys(spec).join(', ');
  if (quantities === null || typeof quantities !== 'object' || Array.isArray(quantities)) {
    throw new Error(`${label} sim: expected an object with ${expected}`);
  }
  const out: Partial<Record<K, number | boolean | null>> = {};
  for (const [key, value] of Object.entries(quantities)) {
    if (!Object.hasOwn(spec, key)) throw new Error(`${label} sim: unknown key '${key}'; expected ${expected}`);
    const s = spec[key as K];
    out[key as K] = checkValue(label, key, value, s);
  }
  return out;
}

function checkValue(label: string, key: string, value: unknown, s: QuantitySpec): number | boolean | null {
  if (value === null && s.nullable) return null;
  if (s.type === 'boolean') {
    if (typeof value !== 'boolean') throw new Error(`${label} sim: '${key}' must be true or false, got ${JSON.stringify(value)}`);
    return value;
  }
  if (s.type === 'level') {
    if (value !== 0 && value !== 1) throw new Error(`${label} sim: '${key}' must be 0 or 1, got ${JSON.stringify(value)}`);
    return value;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`${label} sim: '${key}' must be a number${s.nullable ? ' or null' : ''}, got ${JSON.stringify(value)}`);
  }
  if ((s.min !== undefined && value < s.min) || (s.max !== undefined && value > s.max)) {
    const unit = s.unit ? ` ${s.unit}` : '';
    throw new Error(`${label} sim: ${key} ${value} is outside ${s.min}..${s.max}${unit}`);
  }
  return value;
}
