/**
 * `hanode schema`: the JSON Schema of scheme files, for editors (yaml-language-server modeline),
 * and the option tables of `hanode drivers` and the README. Both come from the same zod schemas
 * the loader validates with, so the docs cannot drift from what is accepted.
 */
import { z } from 'zod';
import type { DriverDef } from '../core/driver.js';
import type { DriverRegistry } from '../core/registry.js';
import { DURATION_PATTERN } from '../core/duration.js';
import { pin } from './pieces.js';
import { ruleSchema } from './rule-schema.js';
import { entrySchema, inputCommon, outputCommon, type Direction } from './schema.js';

type Json = Record<string, any>;

const DRAFT_07 = 'http://json-schema.org/draft-07/schema#';
const PIN_PATTERN = (z.toJSONSchema(pin).anyOf ?? []).map((o) => (o as Json).pattern).find(Boolean) as string | undefined;

/**
 * Converts one zod schema to draft-07, as the user writes it (`io: 'input'`): durations as text,
 * defaults as the user would type them. Definitions are moved into `defs`.
 */
function toJson(schema: z.ZodType, defs: Json): Json {
  const json = z.toJSONSchema(schema, {
    target: 'draft-7',
    io: 'input',
    unrepresentable: 'any',
    // zod leaves out examples of transformed schemas in input mode, because they could describe
    // the output; ours (durations such as "30s") are written as input, so put them back.
    override: ({ zodSchema, jsonSchema }) => {
      const examples = z.globalRegistry.get(zodSchema as unknown as z.ZodType)?.examples as unknown[] | undefined;
      if (examples && jsonSchema.examples === undefined) jsonSchema.examples = examples;
    },
  }) as Json;
  delete json.$schema;
  for (const [name, def] of Object.entries((json.definitions ?? {}) as Json)) {
    if (name in defs && JSON.stringify(defs[name]) !== JSON.stringify(def)) throw new Error(`two different JSON Schema definitions named ${name}`);
    defs[name] = def;
  }
  delete json.definitions;
  return tidy(json);
}

/** Drops the ±2^53 bounds zod writes for every integer: noise in an editor tooltip. */
function tidy(node: any): any {
  if (Array.isArray(node)) return node.map(tidy);
  if (typeof node !== 'object' || node === null) return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if ((k === 'maximum' && v === Number.MAX_SAFE_INTEGER) || (k === 'minimum' && v === Number.MIN_SAFE_INTEGER)) continue;
    out[k] = tidy(v);
  }
  return out;
}

/** One direction's entry: `driver` picks which per-driver definition the entry must match. */
function entryDefinition(direction: Direction, drivers: Record<string, DriverDef>, defs: Json): Json {
  const names = Object.keys(drivers);
  for (const name of names) {
    const schema = toJson(entrySchema(direction, name, drivers[name]), defs);
    if (drivers[name].example) schema.examples = [drivers[name].example];
    defs[`${direction}-${name}`] = schema;
  }
  return {
    type: 'object',
    description: `An ${direction} scheme; the options depend on its driver`,
    required: ['id', 'driver'],
    properties: { driver: names.length ? { enum: names, description: 'The driver (see `hanode drivers`)' } : { type: 'string' } },
    // if/then rather than oneOf: an editor then reports the real problem (a misspelt option)
    // instead of "matches none of 5 schemas".
    allOf: names.map((name) => ({
      if: { properties: { driver: { const: name } }, required: ['driver'] },
      then: { $ref: `#/definitions/${direction}-${name}` },
    })),
  };
}

/** The JSON Schema (draft-07) of a whole scheme file with the drivers of `registry`. */
export function schemeJsonSchema(registry: DriverRegistry): object {
  const defs: Json = {};
  defs.input = entryDefinition('input', Object.fromEntries(registry.defs('input')), defs);
  defs.output = entryDefinition('output', Object.fromEntries(registry.defs('output')), defs);
  defs.rule = toJson(ruleSchema, defs);
  const list = (ref: string, description: string) => ({ type: ['array', 'null'], description, items: { $ref: `#/definitions/${ref}` } });
  return {
    $schema: DRAFT_07,
    title: 'hanode scheme file',
    description: 'Inputs, outputs and rules of a hanode node (see `hanode drivers`)',
    type: ['object', 'null'],
    additionalProperties: false,
    properties: {
      inputs: list('input', 'Sensors and other things that publish readings'),
      outputs: list('output', 'Things that can be set over MQTT'),
      rules: list('rule', 'Automations run on the node itself'),
    },
    definitions: defs,
  };
}

/** One row of a driver's option table. */
export interface OptionDoc {
  name: string;
  /** Short type: `number`, `integer`, `duration`, `pin`, `"ON" | "OFF"`, `number[]` … */
  type: string;
  /** The default as it would be written in YAML, if there is one. */
  default?: unknown;
  description: string;
  required: boolean;
  examples?: unknown[];
}

/** The driver's own options, for `hanode drivers` and the README driver tables. */
export function driverOptionDocs(def: DriverDef): OptionDoc[] {
  return objectDocs(def.schema.shape);
}

/** The options every input or output has, whatever its driver. */
export function commonOptionDocs(direction: Direction): OptionDoc[] {
  return objectDocs(direction === 'input' ? inputCommon : outputCommon);
}

function objectDocs(shape: Record<string, z.ZodType>): OptionDoc[] {
  return Object.entries(shape).map(([name, schema]) => {
    const defs: Json = {};
    const json = toJson(schema, defs);
    // zod marks both optional and defaulted options as "opt-in"; only the rest must be written.
    const required = schema._zod.optin === undefined;
    return {
      name,
      type: typeString(json, defs),
      ...(json.default === undefined ? {} : { default: json.default }),
      description: json.description ?? '',
      required,
      ...(json.examples ? { examples: json.examples } : {}),
    };
  });
}

/** A JSON Schema fragment as a short type for a table; `defs` resolves `$ref`s. */
export function typeString(json: Json, defs: Json = {}): string {
  const ref = typeof json.$ref === 'string' ? defs[json.$ref.replace('#/definitions/', '')] : undefined;
  if (ref) return typeString(ref, defs);
  const branches: Json[] = json.anyOf ?? json.oneOf ?? [];
  const patterns = [json.pattern, ...branches.map((b) => b.pattern)];
  if (patterns.includes(DURATION_PATTERN.source)) return 'duration';
  if (PIN_PATTERN && patterns.includes(PIN_PATTERN)) return 'pin';
  if (json.enum) return json.enum.map((v: unknown) => JSON.stringify(v)).join(' | ');
  if (json.const !== undefined) return JSON.stringify(json.const);
  if (branches.length) return [...new Set(branches.map((b) => typeString(b, defs)))].join(' | ');
  const type = Array.isArray(json.type) ? json.type.filter((t: string) => t !== 'null').join(' | ') : json.type;
  if (type === 'array') {
    if (Array.isArray(json.items)) return `[${json.items.map((i: Json) => typeString(i, defs)).join(', ')}]`;
    return json.items ? `${typeString(json.items, defs)}[]` : 'list';
  }
  return type ?? 'any';
}
