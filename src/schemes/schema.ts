/**
 * The schema of scheme files (README "Scheme files"): the options every input and output has, merged with
 * the driver's own. An entry is validated in two steps, so a misspelt driver name gives one clear
 * message instead of a complaint about every option the wrong driver doesn't know.
 */
import { z } from 'zod';
import type { DriverDef } from '../core/driver.js';
import type { DriverRegistry } from '../core/registry.js';
import { filterList, checkFilterFields } from './filter-schema.js';
import { homeassistantOptions } from './ha-schema.js';
import { schemeId } from './pieces.js';
import { overrideProblems } from '../discovery/check.js';
import { check, show, type Path, type SchemaProblem } from './issues.js';
import { ruleSchema, type Rule } from './rule-schema.js';
import { didYouMean } from '../core/suggest.js';

/** Whether a scheme publishes readings (input) or can be set (output). */
export type Direction = 'input' | 'output';

/** The top-level keys of a scheme file, and which direction each list holds. */
export const SECTIONS = { inputs: 'input', outputs: 'output', rules: 'rule' } as const;

const name = z.string().min(1).optional().describe('Display name').meta({ examples: ['Kitchen climate'] });
const qos = z.literal([0, 1, 2]).default(1).describe('MQTT QoS of the state messages');
const enabled = z.boolean().default(true).describe('false keeps the scheme in the file but does not start it');

/** Options every input scheme has, whatever its driver. */
export const inputCommon = {
  id: schemeId,
  name,
  driver: z.string().describe('The driver (see `hanode drivers`)'),
  retain: z.boolean().default(true).describe('Publish the state retained'),
  qos,
  durable: z
    .boolean()
    .default(true)
    .describe('Keep each reading in the outbox until the broker acknowledges it; false lets QoS 0 readings skip the outbox'),
  enabled,
  filters: filterList,
  ...homeassistantOptions,
};

/** Options every output scheme has, whatever its driver. */
export const outputCommon = {
  id: schemeId,
  name,
  driver: z.string().describe('The driver (see `hanode drivers`)'),
  retain: z.boolean().default(true).describe('Publish the state retained'),
  qos,
  restore: z.boolean().default(false).describe('Come back in the last state after a restart'),
  enabled,
  ...homeassistantOptions,
};

// By def and then by name: a registry may list one def under two names.
const entrySchemas = new WeakMap<DriverDef, Map<string, z.ZodObject>>();

/**
 * The strict schema of one input or output entry with the given driver: the common options plus
 * the driver's, with `driver` pinned to the driver's name.
 */
export function entrySchema(direction: Direction, driverName: string, def: DriverDef): z.ZodObject {
  const byName = entrySchemas.get(def) ?? new Map<string, z.ZodObject>();
  entrySchemas.set(def, byName);
  let schema = byName.get(driverName);
  if (!schema) {
    const common = direction === 'input' ? inputCommon : outputCommon;
    schema = z
      .strictObject({ ...common, driver: z.literal(driverName).describe(common.driver.description!), ...def.schema.shape })
      .describe(def.description);
    byName.set(driverName, schema);
  }
  return schema;
}

/**
 * The driver and parsed options of a valid entry, or its problems (paths relative to the entry),
 * or `unavailable`: the entry names a known driver whose module could not be loaded, so its
 * options cannot be judged. That is no fault of the file: the scheme cannot run, the rest can.
 */
export type EntryResult =
  | { ok: true; driver: string; options: Record<string, unknown> }
  | { ok: false; problems: SchemaProblem[]; unavailable?: undefined }
  | { ok: false; problems: SchemaProblem[]; unavailable: { id: string; driver: string; error: string } };

/** Validates one entry of `inputs:` or `outputs:`: first its driver, then all its options. */
export function validateEntry(direction: Direction, raw: unknown, registry: DriverRegistry): EntryResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, problems: [{ path: [], at: 'value', message: `expected a mapping with id and driver, got ${show(raw)}` }] };
  }
  const entry = raw as Record<string, unknown>;
  const driverProblem = checkDriver(direction, entry.driver, registry);
  // Without a driver the options cannot be judged, but the id can.
  const idProblems = (): SchemaProblem[] => {
    if (!('id' in entry)) return [{ path: [], at: 'value', message: "missing required option 'id'" }];
    const id = check(schemeId, entry.id);
    return id.ok ? [] : id.problems.map((p) => ({ ...p, path: ['id', ...p.path] }));
  };
  if (driverProblem) return { ok: false, problems: [...idProblems(), driverProblem] };
  const driver = entry.driver as string;
  const def = registry.get(direction, driver);
  if (!def) {
    const problems = idProblems();
    if (problems.length) return { ok: false, problems };
    const why = registry.failure(direction, driver)?.message.split('\n')[0] ?? 'it was not loaded before the scheme was checked';
    return { ok: false, problems: [], unavailable: { id: entry.id as string, driver, error: `the ${driver} driver could not be loaded: ${why}` } };
  }
  const result = check(entrySchema(direction, driver, def), entry, {
    unknownKey: (path, key) => (path.length === 0 ? `unknown option '${key}' for driver ${driver}` : path[0] === 'filters' ? `unknown filter '${key}'` : `unknown option '${key}'`),
  });
  if (!result.ok) return result;
  // The merged schema drops the driver's own object-level checks and transforms; run them too.
  const own = check(def.schema, Object.fromEntries(Object.keys(def.schema.shape).filter((k) => k in entry).map((k) => [k, entry[k]])));
  if (!own.ok) return own;
  const options = { ...result.data, ...own.data } as Record<string, unknown>;
  const haProblems = overrideProblems({ id: options.id as string, driver, direction, options }, def);
  if (haProblems.length) return { ok: false, problems: haProblems };
  if (direction === 'input') {
    const filterProblems = checkFilterFields(options.filters as never, driver, def.fields);
    if (filterProblems.length) {
      return { ok: false, problems: filterProblems.map((p) => ({ path: ['filters', p.index, p.key], at: p.key === 'field' ? 'value' : 'key', message: p.message })) };
    }
  }
  return { ok: true, driver, options };
}

function checkDriver(direction: Direction, driver: unknown, registry: DriverRegistry): SchemaProblem | undefined {
  if (driver === undefined) return { path: [], at: 'value', message: "missing required option 'driver'" };
  if (typeof driver !== 'string') return { path: ['driver'], at: 'value', message: `expected a driver name, got ${show(driver)}` };
  if (registry.has(direction, driver)) return undefined;
  if (registry.has(direction === 'input' ? 'output' : 'input', driver)) {
    return { path: ['driver'], at: 'value', message: `'${driver}' is an ${direction === 'input' ? 'output' : 'input'} driver; put this entry under ${direction === 'input' ? 'outputs' : 'inputs'}` };
  }
  const hint = didYouMean(driver, registry.names(direction)) || ' (`hanode drivers` lists them)';
  return { path: ['driver'], at: 'value', message: `unknown driver '${driver}'${hint}` };
}

/** The parsed rule, or its problems (paths relative to the rule). */
export type RuleResult = { ok: true; rule: Rule } | { ok: false; problems: SchemaProblem[] };

/** Validates one entry of `rules:`. */
export function validateRule(raw: unknown): RuleResult {
  const result = check(ruleSchema, raw, { unknownKey: ruleUnknownKey });
  return result.ok ? { ok: true, rule: result.data } : result;
}

function ruleUnknownKey(path: Path, key: string): string {
  if (path.length === 0) return `unknown option '${key}' in rule`;
  const parent = path[path.length - 2];
  if (typeof path[path.length - 1] === 'number' && (parent === 'then' || parent === 'else')) return `unknown action '${key}'`;
  if (path.includes('when')) return `unknown option '${key}' in condition`;
  return `unknown option '${key}'`;
}
