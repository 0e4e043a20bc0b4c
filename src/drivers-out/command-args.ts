/**
 * Typed arguments of the `command` output: what a payload may put into an argv template, and
 * the checks it must pass first. Values only ever become whole argv elements or parts of one,
 * handed to execve as they are; nothing is ever parsed by a shell, and a value that does not fit
 * its declared type is refused before anything runs.
 */
import { z } from 'zod';

/** `{name}` in an argv element; `{{` and `}}` stand for literal braces. */
const PLACEHOLDER = /\{\{|\}\}|\{([a-z_][a-z0-9_]*)\}/g;

const validRegex = (p: string) => {
  try {
    new RegExp(p, 'u');
    return true;
  } catch {
    return false;
  }
};

const common = { description: z.string().optional().describe('What the argument is, for the docs') };

/** One declared argument. */
export const argSpec = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('integer'), min: z.number().int().optional(), max: z.number().int().optional(), default: z.number().int().optional(), ...common }),
  z.strictObject({ type: z.literal('number'), min: z.number().optional(), max: z.number().optional(), default: z.number().optional(), ...common }),
  z.strictObject({ type: z.literal('boolean'), default: z.boolean().optional(), ...common }),
  z.strictObject({ type: z.literal('enum'), values: z.array(z.string().min(1)).min(1), default: z.string().optional(), ...common }),
  z.strictObject({
    type: z.literal('string'),
    pattern: z.string().min(1).refine(validRegex, 'not a valid regular expression').describe('The whole value must match (anchored for you)'),
    max_length: z.number().int().positive().max(4096).default(256),
    default: z.string().optional(),
    ...common,
  }),
]);
/** One declared argument, defaults filled in. */
export type ArgSpec = z.output<typeof argSpec>;

/** The `args` option: argument name → type. `for` is taken by the runtime's timed commands. */
export const argsOption = z
  .record(z.string().regex(/^[a-z_][a-z0-9_]*$/, 'argument names are lower-case letters, digits and _').refine((n) => n !== 'for', "'for' is reserved"), argSpec)
  .default({})
  .describe('The arguments a payload may fill, by name, each with a type: integer/number (min, max), boolean, enum (values) or string (pattern required)')
  .meta({ examples: [{ volume: { type: 'integer', min: 0, max: 100 } }] });

/** The argument names `{name}` in an argv element refers to. */
export function placeholders(element: string): string[] {
  return [...element.matchAll(PLACEHOLDER)].flatMap((m) => (m[1] ? [m[1]] : []));
}

/** An argv element with its placeholders filled in. */
export function fill(element: string, values: Record<string, string>): string {
  return element.replace(PLACEHOLDER, (whole, name?: string) => (name ? values[name]! : whole[0]!));
}

/** Why `value` does not fit `spec`, or its text for argv. */
function check(name: string, spec: ArgSpec, value: unknown): { error: string } | { text: string } {
  const got = JSON.stringify(value);
  switch (spec.type) {
    case 'integer':
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value) || (spec.type === 'integer' && !Number.isInteger(value))) {
        return { error: `${name} must be ${spec.type === 'integer' ? 'an integer' : 'a number'}, got ${got}` };
      }
      if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
        return { error: `${name} must be within ${spec.min ?? '-∞'}..${spec.max ?? '∞'}, got ${value}` };
      }
      return { text: String(value) };
    }
    case 'boolean':
      return typeof value === 'boolean' ? { text: String(value) } : { error: `${name} must be true or false, got ${got}` };
    case 'enum':
      return typeof value === 'string' && spec.values.includes(value)
        ? { text: value }
        : { error: `${name} must be one of ${spec.values.join(', ')}, got ${got}` };
    case 'string': {
      if (typeof value !== 'string') return { error: `${name} must be text, got ${got}` };
      if (Array.from(value).length > spec.max_length) return { error: `${name} is longer than ${spec.max_length} characters` };
      // execve cannot pass a NUL, and the pattern is anchored so it judges the whole value.
      if (value.includes('\0') || !new RegExp(`^(?:${spec.pattern})$`, 'u').test(value)) {
        return { error: `${name} ${got} does not match the pattern ${spec.pattern}` };
      }
      return { text: value };
    }
  }
}

/**
 * The argv text of every declared argument from a normalised command, or why it is refused.
 * Payload keys are the argument names; with exactly one argument a bare payload also fills it
 * (a number `{value}`, text `{text}`, or `ON`/`OFF` `{state}` for a boolean).
 */
export function resolveArgs(specs: Record<string, ArgSpec>, command: Record<string, unknown>): { values: Record<string, string> } | { error: string } {
  const names = Object.keys(specs);
  let given = command;
  const keys = Object.keys(command);
  if (names.length === 1 && keys.length === 1 && !names.includes(keys[0]!) && ['value', 'text', 'state'].includes(keys[0]!)) {
    let v = command[keys[0]!];
    if (keys[0] === 'state' && specs[names[0]!]!.type === 'boolean' && (v === 'ON' || v === 'OFF')) v = v === 'ON';
    given = { [names[0]!]: v };
  } else if (names.length === 0 && keys.length === 1 && command.state === 'ON') {
    given = {}; // a bare ON runs a command without arguments
  }
  const unknown = Object.keys(given).filter((k) => !names.includes(k));
  if (unknown.length > 0) {
    return { error: `unknown argument${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; expected ${names.length ? names.join(', ') : 'none (send ON or {})'}` };
  }
  const values: Record<string, string> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const value = Object.hasOwn(given, name) ? given[name] : spec.default;
    if (value === undefined) return { error: `missing argument ${name}` };
    const r = check(name, spec, value);
    if ('error' in r) return r;
    values[name] = r.text;
  }
  return { values };
}
