/**
 * The `filters:` list of an input scheme. In YAML each entry is a single-key mapping, optionally
 * with `field:`; parsing turns it into a tagged {@link FilterSpec} that {@link FilterChain} runs.
 */
import { z } from 'zod';
import type { FieldDef } from '../core/driver.js';
import { duration } from './pieces.js';
import { didYouMean } from '../core/suggest.js';
import { objectCheck } from './issues.js';

/** Filters that change number fields. */
export const NUMBER_FILTERS = ['offset', 'multiply', 'calibrate', 'round', 'clamp', 'average', 'median'] as const;
/** Filters that work on ON/OFF fields. */
export const BINARY_FILTERS = ['debounce', 'invert'] as const;
/** Filters that decide whether a reading is published at all. */
export const GATE_FILTERS = ['delta', 'throttle', 'heartbeat'] as const;
export const FILTER_KINDS = [...NUMBER_FILTERS, ...GATE_FILTERS, ...BINARY_FILTERS] as const;
/** The name of a filter, as its YAML key. */
export type FilterKind = (typeof FILTER_KINDS)[number];

/** A parsed filter. Durations are milliseconds. */
export type FilterSpec = { field?: string } & (
  | { kind: 'offset' | 'multiply' | 'delta'; value: number }
  | { kind: 'round' | 'average' | 'median'; value: number }
  | { kind: 'calibrate'; value: [number, number][] }
  | { kind: 'clamp'; value: [number | null, number | null] }
  | { kind: 'throttle' | 'heartbeat' | 'debounce'; value: number }
  | { kind: 'invert'; value: boolean }
);

const windowSize = (what: string) =>
  z.number().int().min(1).max(1000).describe(`${what} of the last n readings (a sliding window)`).meta({ examples: [5] });

const filterArgs = {
  offset: z.number().describe('Add this to the value').meta({ examples: [-0.4] }),
  multiply: z.number().describe('Multiply the value by this').meta({ examples: [1.8] }),
  calibrate: z
    .array(z.tuple([z.number(), z.number()]))
    .min(2)
    .refine((points) => new Set(points.map(([raw]) => raw)).size >= 2, {
      message: 'expected calibration points with at least two different raw values',
    })
    .describe('[raw, real] pairs; the value is mapped through the least-squares line through them')
    .meta({ examples: [[[0, 0], [100, 98.2]]] }),
  round: z.number().int().min(0).max(10).describe('Round to this many decimals').meta({ examples: [1] }),
  clamp: z
    .tuple([z.number().nullable(), z.number().nullable()])
    .refine(([min, max]) => min === null || max === null || min <= max, { message: 'expected [min, max] with min ≤ max' })
    .describe('Keep the value within [min, max]; either end may be null')
    .meta({ examples: [[0, 100], [null, 50]] }),
  average: windowSize('Mean'),
  median: windowSize('Median'),
  delta: z.number().nonnegative().describe('Publish only when a value changed by at least this much since the last published one (0: any change)').meta({ examples: [0.2] }),
  throttle: duration('Publish at most once per this time').meta({ examples: ['10s'] }),
  heartbeat: duration('Publish at least once per this time, even when delta or throttle would drop the reading')
    .refine((ms) => ms > 0, { message: 'expected a duration longer than 0' })
    .meta({ examples: ['5m'] }),
  debounce: duration('An ON/OFF change must be seen for this long before it is accepted').meta({ examples: ['50ms'] }),
  invert: z.boolean().describe('Swap ON and OFF').meta({ examples: [true] }),
};

const WHOLE_READING: readonly FilterKind[] = ['throttle', 'heartbeat'];

/** One entry of `filters:`. */
export const filterEntry = z
  .strictObject({
    ...Object.fromEntries(Object.entries(filterArgs).map(([k, s]) => [k, s.optional()])),
    field: z.string().min(1).optional().describe('The field to filter; default: every number field (every ON/OFF field for debounce and invert)'),
  } as { [K in keyof typeof filterArgs]: z.ZodOptional<(typeof filterArgs)[K]> } & { field: z.ZodOptional<z.ZodString> })
  .check(
    objectCheck<Record<string, unknown>>((entry) => {
      const kinds = FILTER_KINDS.filter((k) => entry[k] !== undefined);
      if (kinds.length === 0) return [{ message: `expected a filter: one of ${FILTER_KINDS.join(', ')}` }];
      if (kinds.length > 1) return [{ message: `expected one filter per entry, got ${kinds.join(' and ')}; give each its own entry` }];
      if (entry.field !== undefined && WHOLE_READING.includes(kinds[0])) return [{ path: ['field'], message: `${kinds[0]} applies to the whole reading, not to one field` }];
      return [];
    }),
  )
  .transform((entry): FilterSpec => {
    const kind = FILTER_KINDS.find((k) => entry[k] !== undefined)!;
    return { kind, value: entry[kind], ...(entry.field === undefined ? {} : { field: entry.field }) } as FilterSpec;
  })
  .meta({ id: 'hanode-filter', minProperties: 1, maxProperties: 2 });

/** `filters:` of an input scheme: applied in order to every reading. */
export const filterList = z
  .array(filterEntry)
  .default([])
  .describe('Reading filters, applied in order: offset, multiply, calibrate, round, clamp, delta, throttle, heartbeat, average, median, debounce, invert')
  .meta({ examples: [[{ offset: -0.4 }, { round: 1 }, { delta: 0.2 }, { heartbeat: '5m' }]] });

/** Debounce and invert: filters of ON/OFF fields. */
export function isBinaryFilter(kind: FilterKind): boolean {
  return (BINARY_FILTERS as readonly string[]).includes(kind);
}

/** Filters that rewrite number fields. */
export function isNumberFilter(kind: FilterKind): boolean {
  return (NUMBER_FILTERS as readonly string[]).includes(kind);
}

const isBinaryField = (f: FieldDef) => f.type === 'state' || f.type === 'boolean';
const isNumberField = (f: FieldDef) => f.type === 'number' || f.type === 'integer';

/** A problem with a filter for a given driver: `index` into the list, `key` within the entry. */
export interface FilterFieldProblem {
  index: number;
  key: string;
  message: string;
}

/**
 * Checks filters against the fields the driver publishes: a named field must exist and have the
 * right kind, and a filter without `field:` must have something to work on.
 */
export function checkFilterFields(filters: readonly FilterSpec[], driver: string, fields: readonly FieldDef[]): FilterFieldProblem[] {
  if (fields.length === 0) return [];
  const problems: FilterFieldProblem[] = [];
  const names = fields.map((f) => f.name);
  filters.forEach((filter, index) => {
    const binary = isBinaryFilter(filter.kind);
    const number = isNumberFilter(filter.kind);
    if (filter.field !== undefined) {
      const field = fields.find((f) => f.name === filter.field);
      if (!field) {
        const hint = didYouMean(filter.field, names) || ` (${driver} publishes ${names.join(', ')})`;
        problems.push({ index, key: 'field', message: `unknown field '${filter.field}' for driver ${driver}${hint}` });
      } else if (binary && !isBinaryField(field)) {
        problems.push({ index, key: 'field', message: `${filter.kind} works on ON/OFF fields, and '${field.name}' is not one` });
      } else if (number && !isNumberField(field)) {
        problems.push({ index, key: 'field', message: `${filter.kind} works on number fields, and '${field.name}' is not one` });
      }
    } else if (binary && !fields.some(isBinaryField)) {
      problems.push({ index, key: filter.kind, message: `${filter.kind} works on ON/OFF fields, and ${driver} publishes none (${names.join(', ')})` });
    } else if (number && !fields.some(isNumberField)) {
      problems.push({ index, key: filter.kind, message: `${filter.kind} works on number fields, and ${driver} publishes none (${names.join(', ')})` });
    }
  });
  return problems;
}
