/**
 * Validation of `bridges:` in two passes, each problem at its FILE:LINE:COL: first the schema of
 * each entry's type, then the cross-checks (files readable, duplicate ids, options one type needs
 * together). A bad bridge is left out and reported; it never stops the agent, so the result holds
 * the good bridges and the problems apart.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { didYouMean } from '../core/suggest.js';
import type { Problem } from '../yaml/config-file.js';
import { BRIDGE_ID, BRIDGE_TYPES, bridgeSchemas, type BridgeConfig, type BridgeType } from './schema.js';

type Path = (string | number)[];

/** Where things are in the file: `path` is relative to the `bridges` list. */
export interface BridgeLocator {
  file: string;
  /** The value at `path`, or with `key` the key `key` of the mapping at `path`. */
  at(path: Path, key?: string): { line: number; col: number };
}

export interface BridgeValidation {
  /** The bridges that passed, in file order, file paths made absolute. Disabled ones are left out. */
  bridges: BridgeConfig[];
  problems: Problem[];
  /** Ids (or `#index`) of the bridges left out because of problems. */
  rejected: string[];
}

/**
 * Validates the raw `bridges:` list; `dir` is where relative file paths start. Entries in
 * `tainted` (say, with a missing `${VAR}` reported elsewhere) are checked but never kept.
 */
export function validateBridges(raw: unknown, opts: { dir: string; locate?: BridgeLocator; tainted?: ReadonlySet<number> }): BridgeValidation {
  const locate: BridgeLocator = opts.locate ?? { file: 'config', at: () => ({ line: 1, col: 1 }) };
  const out: BridgeValidation = { bridges: [], problems: [], rejected: [] };
  const list = Array.isArray(raw) ? raw : [];
  const seen = new Set<string>();
  list.forEach((entry, i) => {
    const problems: Problem[] = [];
    const add = (path: Path, message: string, key?: string) => problems.push({ file: locate.file, ...locate.at([i, ...path], key), message });
    const name = entry && typeof entry === 'object' && typeof (entry as { id?: unknown }).id === 'string' ? (entry as { id: string }).id : `#${i}`;
    const label = `bridge '${name}'`;
    const bridge = checkOne(entry, label, add, opts.dir);
    if (bridge && seen.has(bridge.id)) add(['id'], `${label}: a bridge with this id is already defined above; ids must be unique`);
    if (bridge) seen.add(bridge.id);
    if (problems.length || !bridge || opts.tainted?.has(i)) {
      out.problems.push(...problems);
      out.rejected.push(name);
    } else if (bridge.enabled) out.bridges.push(bridge);
  });
  return out;
}

type Add = (path: Path, message: string, key?: string) => void;

function checkOne(entry: unknown, label: string, add: Add, dir: string): BridgeConfig | undefined {
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
    add([], `${label}: expected a mapping with id, type and the type's options`);
    return undefined;
  }
  const e = entry as Record<string, unknown>;
  if (typeof e.id !== 'string' || !BRIDGE_ID.test(e.id)) {
    add(e.id === undefined ? [] : ['id'], `${label}: ${e.id === undefined ? 'expected an id' : 'id: expected lower-case letters, digits and dashes, starting with a letter or digit'}`);
  }
  if (e.type === undefined) {
    add([], `${label}: expected a type: ${BRIDGE_TYPES.join(', ')}`);
    return undefined;
  }
  if (!(BRIDGE_TYPES as readonly unknown[]).includes(e.type)) {
    const t = String(e.type);
    add(['type'], `${label}: unknown bridge type '${t}'${didYouMean(t, BRIDGE_TYPES) || `; expected one of ${BRIDGE_TYPES.join(', ')}`}`);
    return undefined;
  }
  const type = e.type as BridgeType;
  const schema = bridgeSchemas()[type] as z.ZodType;
  const parsed = schema.safeParse(entry);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) describe(issue, schema, label, add);
    return undefined;
  }
  const bridge = parsed.data as BridgeConfig;
  crossCheck(bridge, label, add);
  checkFiles(bridge, label, add, dir);
  return bridge;
}

/** Options that only make sense together, and limits of the services. */
function crossCheck(b: BridgeConfig, label: string, add: Add): void {
  // MQTT 3.1.1 has no password without a user name, and brokers on 5 refuse it too.
  if ((b.type === 'mqtt' || (b.type === 'thingspeak' && b.mode === 'mqtt')) && b.password !== undefined && !b.username) {
    add(['password'], `${label}: a password needs a username`);
  }
  if (b.type === 'mqtt' || b.type === 'aws-iot') {
    b.forward.forEach((f, j) => {
      if (f.to && /\{(node|id)\}/.test(f.to) && !f.from.endsWith('#') && f.from.split('/').length < 3) {
        add(['forward', j, 'to'], `${label}: {node} and {id} come from a B/N/S topic, but '${f.from}' matches topics with fewer levels`);
      }
    });
  }
  if (b.type === 'aws-iot') {
    if (!b.endpoint && !b.url) add([], `${label}: expected endpoint (the account's AWS IoT endpoint) or url`);
    b.forward.forEach((f, j) => {
      if (!f.to && !b.shadow) add(['forward', j], `${label}: expected to (a topic), or shadow: true on the bridge to update the device shadow`);
      // AWS IoT topic rules only see topics with at most 7 slashes.
      if (f.to && f.to.split('/').length > 8) add(['forward', j, 'to'], `${label}: AWS IoT allows at most 7 slashes in a topic`);
    });
  }
  if (b.type === 'thingspeak') {
    if (b.mode === 'http' && !b.api_key) add([], `${label}: expected api_key (the channel's write API key) for mode http`);
    if (b.mode === 'mqtt') {
      for (const k of ['client_id', 'username', 'password'] as const) if (!b[k]) add([], `${label}: expected ${k} (the channel's MQTT device credentials) for mode mqtt`);
    }
    if (b.url) {
      const ok = b.mode === 'http' ? /^https?:\/\/[^/]/i.test(b.url) : /^(mqtts?|wss?):\/\/[^/]/i.test(b.url);
      if (!ok) add(['url'], `${label}: expected ${b.mode === 'http' ? 'an http(s)://' : 'an mqtt(s)://'} URL for mode ${b.mode}`);
    }
  }
}

/** ca, cert and key must be readable files; their paths become absolute. */
function checkFiles(b: BridgeConfig, label: string, add: Add, dir: string): void {
  const files = b as unknown as Record<string, string | undefined>;
  for (const k of ['ca', 'cert', 'key'] as const) {
    // Adafruit's `key` is the account key, not a file.
    if (b.type === 'adafruit-io' && k === 'key') continue;
    const given = files[k];
    if (!given) continue;
    const path = resolve(dir, given);
    try {
      if (statSync(path).isDirectory()) throw Object.assign(new Error(), { code: 'EISDIR' });
      accessSync(path, constants.R_OK);
      files[k] = path;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
      add([k], `${label}: cannot read ${k} file ${path}: ${why}`);
    }
  }
}

/** A zod issue as a problem at its place, with did-you-mean for misspelt keys and values. */
function describe(issue: z.core.$ZodIssue, schema: z.ZodType, label: string, add: Add): void {
  const path = issue.path as Path;
  const at = path.length ? `${path.join('.')}: ` : '';
  if (issue.code === 'unrecognized_keys') {
    const known = keysAt(schema, path);
    for (const key of issue.keys) add(path, `${label}: unknown key '${key}'${path.length ? ` in ${path.join('.')}` : ''}${didYouMean(key, known)}`, key);
    return;
  }
  if (issue.code === 'invalid_union') {
    // Report the branch that fits the value's kind (e.g. the string form of a rate), if any.
    const inner = issue.errors.flat().filter((i) => i.code !== 'invalid_type');
    const values = inner.filter((i) => i.code === 'invalid_value').flatMap((i) => (i as { values: unknown[] }).values);
    if (values.length === inner.length && values.length) return add(path, `${label}: ${at}expected one of ${values.map((v) => JSON.stringify(v)).join(', ')}`);
    if (inner.length) return describe({ ...inner[0], path: [...path, ...inner[0].path] } as z.core.$ZodIssue, schema, label, add);
    return add(path, `${label}: ${at}expected ${issue.errors.flat().map((i) => (i as { expected?: string }).expected).filter(Boolean).join(' or ')}`);
  }
  if (issue.code === 'invalid_type') {
    const expected = issue.expected === 'object' ? 'a mapping' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`;
    return add(path, `${label}: ${at}${issue.input === undefined ? `expected ${path.at(-1) ?? 'a value'} (${expected})` : `expected ${expected}`}`);
  }
  if (issue.code === 'invalid_value') {
    const allowed = issue.values.map(String);
    const got = typeof issue.input === 'string' ? didYouMean(issue.input, allowed) : '';
    return add(path, `${label}: ${at}expected one of ${allowed.join(', ')}${got}`);
  }
  add(path, `${label}: ${at}${issue.message}`);
}

/** The keys of the mapping at `path` in `schema`, for did-you-mean. */
function keysAt(schema: z.ZodType, path: Path): string[] {
  let s: unknown = schema;
  const unwrap = (x: unknown): unknown => {
    for (;;) {
      const def = (x as { _zod?: { def?: Record<string, unknown> } })?._zod?.def;
      if (!def) return x;
      if (def.innerType) x = def.innerType;
      else if (def.type === 'pipe') x = def.in;
      else return x;
    }
  };
  for (const seg of path) {
    s = unwrap(s);
    const def = (s as { _zod: { def: Record<string, unknown> } })._zod.def;
    if (def.type === 'array' && typeof seg === 'number') s = def.element;
    else if (def.type === 'object') s = (def.shape as Record<string, unknown>)[seg];
    else return [];
  }
  const def = (unwrap(s) as { _zod?: { def: Record<string, unknown> } })?._zod?.def;
  return def?.type === 'object' ? Object.keys(def.shape as object) : [];
}
