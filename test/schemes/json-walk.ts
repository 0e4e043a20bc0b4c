/**
 * A tiny draft-07 validator for the keywords `hanode schema` emits, so the tests can check that the
 * JSON Schema accepts the good fixtures and rejects the broken ones without installing Ajv.
 * It throws on a keyword it does not know, so the schema cannot silently outgrow it.
 */
type Json = Record<string, any>;

const KNOWN = new Set([
  '$schema', '$id', '$ref', 'title', 'description', 'default', 'examples', 'type', 'properties', 'required',
  'additionalProperties', 'items', 'additionalItems', 'minItems', 'maxItems', 'enum', 'const', 'anyOf', 'oneOf',
  'allOf', 'if', 'then', 'else', 'not', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'pattern',
  'minLength', 'maxLength', 'minProperties', 'maxProperties', 'propertyNames', 'definitions', 'format', 'id',
]);

function typeOf(v: unknown): string[] {
  if (v === null) return ['null'];
  if (Array.isArray(v)) return ['array'];
  if (typeof v === 'number') return Number.isInteger(v) ? ['integer', 'number'] : ['number'];
  return [typeof v];
}

/** Returns the list of errors ("path: what"), empty when `value` matches `schema`. */
export function validateJson(root: Json, value: unknown): string[] {
  const errors: string[] = [];
  const walk = (schema: Json | boolean, v: unknown, at: string): boolean => {
    if (schema === true) return true;
    if (schema === false) return fail(at, 'not allowed');
    const before = errors.length;
    for (const k of Object.keys(schema)) if (!KNOWN.has(k)) throw new Error(`json-walk does not know keyword ${k} at ${at}`);
    if (schema.$ref) {
      const name = String(schema.$ref).replace('#/definitions/', '');
      if (!root.definitions?.[name]) throw new Error(`unresolved $ref ${schema.$ref}`);
      walk(root.definitions[name], v, at);
    }
    if (schema.type) {
      const types = [schema.type].flat();
      if (!typeOf(v).some((t) => types.includes(t))) fail(at, `expected ${types.join('|')}`);
    }
    if (schema.enum && !schema.enum.some((e: unknown) => JSON.stringify(e) === JSON.stringify(v))) fail(at, `not in enum`);
    if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(v)) fail(at, `not ${JSON.stringify(schema.const)}`);
    if (typeof v === 'number') {
      if (schema.minimum !== undefined && v < schema.minimum) fail(at, `< ${schema.minimum}`);
      if (schema.maximum !== undefined && v > schema.maximum) fail(at, `> ${schema.maximum}`);
      if (schema.exclusiveMinimum !== undefined && v <= schema.exclusiveMinimum) fail(at, `<= ${schema.exclusiveMinimum}`);
      if (schema.exclusiveMaximum !== undefined && v >= schema.exclusiveMaximum) fail(at, `>= ${schema.exclusiveMaximum}`);
    }
    if (typeof v === 'string') {
      if (schema.pattern && !new RegExp(schema.pattern).test(v)) fail(at, `does not match ${schema.pattern}`);
      if (schema.minLength !== undefined && v.length < schema.minLength) fail(at, 'too short');
    }
    if (Array.isArray(v)) {
      if (schema.minItems !== undefined && v.length < schema.minItems) fail(at, 'too few items');
      if (schema.maxItems !== undefined && v.length > schema.maxItems) fail(at, 'too many items');
      if (Array.isArray(schema.items)) schema.items.forEach((s: Json, i: number) => i < v.length && walk(s, v[i], `${at}/${i}`));
      else if (schema.items) v.forEach((x, i) => walk(schema.items, x, `${at}/${i}`));
    }
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      for (const r of schema.required ?? []) if (!(r in o)) fail(at, `missing ${r}`);
      const n = Object.keys(o).length;
      if (schema.minProperties !== undefined && n < schema.minProperties) fail(at, 'too few properties');
      if (schema.maxProperties !== undefined && n > schema.maxProperties) fail(at, 'too many properties');
      for (const [k, x] of Object.entries(o)) {
        if (schema.properties?.[k]) walk(schema.properties[k], x, `${at}/${k}`);
        else if (schema.additionalProperties === false) fail(`${at}/${k}`, 'unknown property');
        else if (typeof schema.additionalProperties === 'object') walk(schema.additionalProperties, x, `${at}/${k}`);
      }
    }
    for (const s of schema.allOf ?? []) walk(s, v, at);
    if (schema.anyOf && !schema.anyOf.some((s: Json) => quiet(s, v, at))) fail(at, 'matches no anyOf branch');
    if (schema.oneOf && schema.oneOf.filter((s: Json) => quiet(s, v, at)).length !== 1) fail(at, 'does not match exactly one oneOf branch');
    if (schema.not && quiet(schema.not, v, at)) fail(at, 'matches not');
    if (schema.if) {
      const branch = quiet(schema.if, v, at) ? schema.then : schema.else;
      if (branch) walk(branch, v, at);
    }
    return errors.length === before;
  };
  const quiet = (schema: Json, v: unknown, at: string) => {
    const mark = errors.length;
    const ok = walk(schema, v, at);
    errors.length = mark;
    return ok;
  };
  const fail = (at: string, what: string) => {
    errors.push(`${at || '/'}: ${what}`);
    return false;
  };
  walk(root, value, '');
  return errors;
}
