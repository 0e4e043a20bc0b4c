/**
 * Turns zod's issues into sentences a person would write ("expected a number, got "abc"",
 * "missing required option 'pin'", "unknown option 'intervall' for driver bme280; did you mean
 * 'interval'?"), each tied to the path of the YAML node it is about.
 */
import { z } from 'zod';
import { didYouMean } from '../core/suggest.js';
import { excerpt } from '../core/limits.js';
import type { Path } from '../yaml/source.js';

/** Keys and list indexes from the document root (or from the value being checked). */
export type { Path };

/** One schema problem, before it is given a file position. */
export interface SchemaProblem {
  /** Where in the parsed value the problem is. */
  path: Path;
  /** Point at the key itself (unknown keys) or at its value (everything else). */
  at: 'key' | 'value';
  message: string;
  /**
   * How long the message may be; default 200 characters. Longer only for messages that list
   * what hanode accepts (Home Assistant's device classes), never for ones quoting the file.
   */
  maxChars?: number;
}

export interface CheckOptions {
  /**
   * The start of the message for an unknown key found in the object at `objectPath`,
   * e.g. `unknown option 'intervall' for driver bme280`. A suggestion is added after it.
   */
  unknownKey?: (objectPath: Path, key: string) => string;
}

/** The parsed value, or every problem it has. */
export type CheckResult<T> = { ok: true; data: T } | { ok: false; problems: SchemaProblem[] };

type Issue = z.core.$ZodIssue & { input?: unknown };

/** Parses `value` with `schema` and explains every problem it has. */
export function check<S extends z.ZodType>(schema: S, value: unknown, opts: CheckOptions = {}): CheckResult<z.output<S>> {
  // zod's unrecognized_keys issue carries the bad keys but not the good ones; the error map
  // still sees the object schema, so remember its keys by the input object for suggestions.
  const knownKeys = new WeakMap<object, string[]>();
  const result = schema.safeParse(value, {
    reportInput: true,
    error: (iss) => {
      if (iss.code === 'unrecognized_keys' && iss.inst instanceof z.ZodObject && isObject(iss.input)) {
        knownKeys.set(iss.input, Object.keys(iss.inst.shape));
      }
      return humanMessage(iss);
    },
  });
  if (result.success) return { ok: true, data: result.data };
  const unknownKey = opts.unknownKey ?? ((_path: Path, key: string) => `unknown option '${key}'`);
  return { ok: false, problems: onePerValue(explain(result.error.issues as Issue[], [], unknownKey, knownKeys)) };
}

/**
 * zod keeps checking a value after its first failed check (0x99 is both above 0x77 and not an
 * allowed address); one complaint per value is enough. Missing options all point at the same
 * mapping and are kept.
 */
function onePerValue(problems: SchemaProblem[]): SchemaProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    if (p.message.startsWith('missing required option') || p.at === 'key') return true;
    const key = JSON.stringify(p.path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Makes an object-level check (a `.check()` callback) that stays quiet when the object has an
 * unknown key: "unknown filter 'ofset'" already says what is wrong, and "expected a filter"
 * would only repeat it.
 */
export function objectCheck<T>(fn: (value: T) => { path?: Path; message: string }[]) {
  return (payload: z.core.ParsePayload<T>) => {
    if (payload.issues.some((i) => i.code === 'unrecognized_keys')) return;
    for (const p of fn(payload.value)) payload.issues.push({ code: 'custom', message: p.message, path: p.path ?? [], input: payload.value });
  };
}

function explain(issues: Issue[], base: Path, unknownKey: NonNullable<CheckOptions['unknownKey']>, knownKeys: WeakMap<object, string[]>): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  for (const iss of issues) {
    const path = [...base, ...(iss.path as Path)];
    if (iss.code === 'unrecognized_keys') {
      const known = isObject(iss.input) ? knownKeys.get(iss.input) ?? [] : [];
      for (const key of iss.keys) out.push({ path: [...path, key], at: 'key', message: unknownKey(path, excerpt(key, 40)) + didYouMean(key, known) });
    } else if (iss.code === 'invalid_union') {
      out.push(...explainUnion(iss as Issue & { errors: Issue[][] }, path, unknownKey, knownKeys));
    } else if (iss.code === 'invalid_type' && iss.input === undefined) {
      // A missing key is best shown on the mapping that should have had it.
      out.push({ path: path.slice(0, -1), at: 'value', message: iss.message });
    } else {
      out.push({ path, at: 'value', message: withInput(iss) });
    }
  }
  return out;
}

/**
 * A union fails in every branch. When some branch got past the type check (the value was text
 * but not a duration), its complaint is the useful one; otherwise list what would have done.
 */
function explainUnion(iss: Issue & { errors: Issue[][] }, path: Path, unknownKey: NonNullable<CheckOptions['unknownKey']>, knownKeys: WeakMap<object, string[]>): SchemaProblem[] {
  if (iss.input === undefined && path.length) return [{ path: path.slice(0, -1), at: 'value', message: `missing required option '${String(path[path.length - 1])}'` }];
  const typeOnly = (branch: Issue[]) => branch.every((i) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value'));
  const deeper = iss.errors.filter((b) => b.length > 0 && !typeOnly(b)).sort((a, b) => a.length - b.length);
  if (deeper.length) return explain(deeper[0], path, unknownKey, knownKeys);
  const wanted = new Set<string>();
  for (const i of iss.errors.flat()) {
    if (i.code === 'invalid_type') wanted.add(typeName(i.expected));
    else if (i.code === 'invalid_value') wanted.add(i.values.length === 1 ? show(i.values[0], path) : `one of ${i.values.map(String).join(', ')}`);
  }
  return [{ path, at: 'value', message: `expected ${[...wanted].join(' or ')}, got ${show(iss.input, path)}` }];
}

/** Custom messages from the schema pieces say what was expected; add what was found. */
function withInput(iss: Issue): string {
  const message = iss.message;
  const scalar = iss.input !== undefined && (typeof iss.input !== 'object' || iss.input === null);
  if ((iss.code === 'invalid_format' || iss.code === 'custom') && message.startsWith('expected') && !message.includes(', got ') && scalar) {
    return `${message}, got ${show(iss.input, iss.path as Path)}`;
  }
  return message;
}

/** The message for an issue the schema gave no words of its own. */
function humanMessage(iss: z.core.$ZodRawIssue): string | undefined {
  const path = (iss.path ?? []) as Path;
  const got = () => `got ${show(iss.input, path)}`;
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return path.length ? `missing required option '${String(path[path.length - 1])}'` : 'missing value';
      return `expected ${typeName(iss.expected)}, ${got()}`;
    case 'invalid_value': {
      const values = iss.values.map((v) => show(v, path));
      const hint = typeof iss.input === 'string' ? didYouMean(iss.input, iss.values.filter((v): v is string => typeof v === 'string')) : '';
      return `expected ${values.length === 1 ? values[0] : `one of ${iss.values.map(String).join(', ')}`}, ${got()}${hint}`;
    }
    case 'too_small':
    case 'too_big': {
      const small = iss.code === 'too_small';
      const limit = small ? (iss as { minimum: number | bigint }).minimum : (iss as { maximum: number | bigint }).maximum;
      const inclusive = (iss as { inclusive?: boolean }).inclusive !== false;
      if (iss.origin === 'array') return `expected ${small ? 'at least' : 'at most'} ${limit} ${Number(limit) === 1 ? 'entry' : 'entries'}, got ${(iss.input as unknown[]).length}`;
      if (iss.origin === 'string') return small && Number(limit) === 1 ? 'must not be empty' : `expected ${small ? 'at least' : 'at most'} ${limit} characters`;
      const word = small ? (inclusive ? 'at least' : 'more than') : inclusive ? 'at most' : 'less than';
      return `expected ${word} ${show(Number(limit), path)}, ${got()}`;
    }
    case 'invalid_format':
      return iss.format === 'regex' ? `expected text matching ${(iss as { pattern?: string }).pattern}, ${got()}` : `expected ${iss.format}, ${got()}`;
    case 'not_multiple_of':
      return `expected a multiple of ${iss.divisor}, ${got()}`;
    case 'unrecognized_keys':
      return `unknown ${iss.keys.length === 1 ? 'option' : 'options'} ${iss.keys.map((k) => `'${k}'`).join(', ')}`;
    default:
      return `invalid value, ${got()}`;
  }
}

function typeName(expected: string): string {
  const names: Record<string, string> = {
    number: 'a number',
    int: 'a whole number',
    string: 'text',
    boolean: 'true or false',
    array: 'a list',
    tuple: 'a list',
    object: 'a mapping',
    record: 'a mapping',
    null: 'nothing',
  };
  return names[expected] ?? expected;
}

/** A value as the user would recognise it from their YAML. */
export function show(value: unknown, path: Path = []): string {
  if (value === null) return 'nothing';
  if (value === undefined) return 'nothing';
  // A short excerpt: the whole value may be long, or come from a file that is not the user's.
  if (typeof value === 'string') return excerpt(JSON.stringify(value), 60);
  // Addresses are written in hex in every datasheet and scheme file.
  if (typeof value === 'number' && path[path.length - 1] === 'address' && Number.isInteger(value) && value >= 0) return `0x${value.toString(16)}`;
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

function isObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null;
}
