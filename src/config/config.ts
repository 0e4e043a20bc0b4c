/**
 * The node config (`hanode.yaml`, README "Config"): defaults, then the file, then the environment,
 * then CLI flags. `${ENV_VAR}` and `!secret name` are resolved here, so nothing downstream ever
 * sees where a secret came from.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { hideCredentials } from '../core/redact.js';

export { hideCredentials };
import { didYouMean } from '../core/suggest.js';
import { once } from '../core/once.js';
import { isTemplate, loadTemplateEngine } from '../core/template.js';
import { hideSensitive as hideShared } from '../yaml/substitute.js';
import { readYamlFile, readSecrets, positionOf, keyPositionOf, formatConfigProblem, ConfigError, type Located, type Problem } from '../yaml/config-file.js';
import { checkBridgeSection } from '../bridge/config-section.js';
import type { BridgeConfig } from '../bridge/schema.js';
import { gatewayKeys, gatewaySchema } from '../gateway/config.js';
import { historySchema } from '../history/schema.js';
import { httpSchema, timeSchema } from '../http/schema.js';

export { ConfigError };

export const hardwareModes = ['auto', 'linux', 'sim'] as const;
export type HardwareMode = (typeof hardwareModes)[number];

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const idPattern = /^[a-z0-9][a-z0-9-]*$/;
const idMessage = 'expected lower-case letters, digits and dashes, starting with a letter or digit';

/** What is wrong with an MQTT broker URL, or undefined. Never repeats a password it was given. */
export function urlProblem(url: string): string | undefined {
  const shown = `'${hideCredentials(url)}'`;
  if (!/^(mqtts?|wss?|tcp|ssl):\/\//i.test(url)) return `expected a URL such as mqtt://host:1883, got ${shown}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${shown} is not a valid URL`;
  }
  if (!parsed.hostname) return `${shown} has no host`;
  return undefined;
}

/**
 * Takes the user name and password out of a broker URL, so the URL can be logged as it is and
 * mqtt.js gets the credentials decoded and whole (it would split `user:pa:ss` at the wrong colon).
 */
export function splitCredentials(url: string): { url: string; username?: string; password?: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url };
  }
  if (!parsed.username && !parsed.password) return { url };
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const out = { username: parsed.username ? decode(parsed.username) : undefined, password: parsed.password ? decode(parsed.password) : undefined };
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.href, ...out };
}

// YAML reads `password: 123456` (or a `${VAR}` / secret holding digits) as a number; a string
// field takes it as the text it was written as. Numeric fields take digits given as text.
const text = <T extends z.ZodType<string>>(inner: T) => z.preprocess((v) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v), inner);
const digits = <T extends z.ZodType<number>>(inner: T) => z.preprocess((v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v), inner);

const nodeSchema = z.object({ id: text(z.string().regex(idPattern, idMessage)).optional() }).strict();
const mqttSchema = z
  .object({
    url: text(
      z.string().superRefine((url, ctx) => {
        const problem = urlProblem(url);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    ).optional(),
    username: text(z.string()).optional(),
    password: text(z.string()).optional(),
    client_id: text(z.string()).optional(),
    ca: text(z.string()).optional(),
    cert: text(z.string()).optional(),
    key: text(z.string()).optional(),
    // MQTT carries the keep-alive in 16 bits: 65535 s is the most a broker can be told.
    keepalive: digits(z.number().int().positive().max(65_535)).default(30),
  })
  .strict();
const brokerSchema = z
  .object({
    host: text(z.string().min(1)).default('127.0.0.1'),
    port: digits(z.number().int().min(1).max(65535)).default(1883),
    /** The embedded broker asks every client for these when set (hanode's own link too, unless `mqtt` has its own). */
    username: text(z.string().min(1)).optional(),
    password: text(z.string().min(1)).optional(),
  })
  .strict()
  .refine((b) => (b.username === undefined) === (b.password === undefined), { message: 'broker.username and broker.password go together', path: ['password'] });

const outboxSchema = z
  .object({
    max_messages: digits(z.number().int().positive()).default(1_000_000),
    max_bytes: digits(z.number().int().positive()).default(256 * 1024 * 1024),
    drain_rate: digits(z.number().positive()).default(5_000),
  })
  .strict();

const homeassistantSchema = z
  .object({
    discovery: z.boolean().default(true),
    prefix: text(z.string().min(1).regex(/^[^#+]+$/, 'expected a topic prefix without wildcards')).default('homeassistant'),
  })
  .strict();

/**
 * An optional section whose schema is built only when the file has it: most nodes run no
 * gateway, history or HTTP server. Its problems come out as if the schema stood in place.
 */
function section<S extends z.ZodType>(schema: () => S) {
  return z
    .unknown()
    .transform((value, ctx): z.output<S> | undefined => {
      if (value === undefined) return undefined;
      const parsed = schema().safeParse(value);
      if (parsed.success) return parsed.data;
      for (const issue of parsed.error.issues) ctx.issues.push(issue as (typeof ctx.issues)[number]);
      return z.NEVER;
    })
    .optional();
}

/** Remote management over `$request` (README "Managing nodes without SSH"): the writing operations are off unless `remote: true`. */
const managementSchema = z.object({ remote: z.boolean().default(false) }).strict();

const configSchema = z
  .object({
    node: nodeSchema.default({}),
    base_topic: text(z.string().min(1).regex(/^[^#+$][^#+]*$/, 'expected a topic without wildcards, not starting with $')).default('han'),
    mqtt: mqttSchema.default({ keepalive: 30 }),
    broker: brokerSchema.default({ host: '127.0.0.1', port: 1883 }),
    schemes: text(z.string().min(1)).default('./schemes'),
    data: text(z.string().min(1)).default('./data'),
    hardware: z.enum(hardwareModes).default('auto'),
    log_level: z.enum(logLevels).default('info'),
    // Each entry is checked by src/bridge: a bad bridge is left out, not fatal.
    bridges: z.array(z.unknown()).default([]),
    plugins: z.array(z.string()).default([]),
    outbox: outboxSchema.default({ max_messages: 1_000_000, max_bytes: 256 * 1024 * 1024, drain_rate: 5_000 }),
    homeassistant: homeassistantSchema.default({ discovery: true, prefix: 'homeassistant' }),
    management: managementSchema.default({ remote: false }),
    gateway: section(gatewaySchema),
    // Off unless present (README "HTTP API and history").
    history: section(historySchema),
    http: section(httpSchema),
    time: section(timeSchema),
  })
  .strict();

/** The keys each mapping of the file may have, for "did you mean"; built when a problem needs them. */
const knownKeys = once((): Record<string, string[]> => ({
  '': Object.keys(configSchema.shape),
  node: Object.keys(nodeSchema.shape),
  mqtt: Object.keys(mqttSchema.shape),
  broker: Object.keys(brokerSchema.shape),
  outbox: Object.keys(outboxSchema.shape),
  homeassistant: Object.keys(homeassistantSchema.shape),
  management: Object.keys(managementSchema.shape),
  ...gatewayKeys(),
  history: Object.keys(historySchema().shape),
  http: Object.keys(httpSchema().shape),
  time: Object.keys(timeSchema().shape),
}));

export type FileConfig = z.output<typeof configSchema>;

/** Everything the agent needs, resolved: paths absolute, node id decided. */
export interface Config extends Omit<FileConfig, 'node' | 'bridges' | 'management'> {
  node: { id: string };
  /** Remote management; absent means `remote: false`. */
  management?: { remote: boolean };
  /** The bridges that passed validation. */
  bridges: BridgeConfig[];
  /** Problems that left a bridge out (FILE:LINE:COL each); the agent reports them and runs without it. */
  bridgeProblems?: Problem[];
  /** Every value that came from `!secret` or `${VAR}`: logs and `$error` never show them. */
  sensitive?: string[];
  /** Directory relative paths in the file are resolved against. */
  dir: string;
  /** The config file read, if any. */
  file?: string;
}

export interface Overrides {
  config?: string;
  schemes?: string;
  data?: string;
  hardware?: string;
  mqtt?: string;
  node?: string;
  logLevel?: string;
}

/** The problem with any value from `!secret` or `${VAR}` hidden (yaml/substitute.ts). */
function hideSensitive(p: Problem, source: Located | undefined): Problem {
  return source ? hideShared(p, source.file, source.sensitive) : p;
}

/** `hostname`, lower-cased, with anything outside [a-z0-9-] turned into '-'. */
export function defaultNodeId(host = hostname()): string {
  return host.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+/, '') || 'hanode';
}

/**
 * Reads the config: `overrides.config`, else ./hanode.yaml when present, else defaults.
 * Relative paths in the file are taken from the file's directory; relative paths given in the
 * environment or on the command line from `cwd`. Throws ConfigError with every problem found,
 * one `FILE:LINE:COL: message` line each (`HANODE_X: …` / `--flag: …` for the other layers).
 */
export async function loadConfig(overrides: Overrides = {}, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Promise<Config> {
  const file = overrides.config ? resolve(cwd, overrides.config) : existsSync(resolve(cwd, 'hanode.yaml')) ? resolve(cwd, 'hanode.yaml') : undefined;
  const dir = file ? dirname(file) : cwd;
  let raw: unknown = {};
  let source: Located | undefined;
  const fileProblems: Problem[] = [];
  if (file) {
    if (!existsSync(file)) throw new ConfigError([`${file}: config file not found`]);
    source = await readYamlFile(file, { secrets: () => readSecrets(resolve(dir, 'secrets.yaml')), env });
    raw = source.value ?? {};
    fileProblems.push(...source.problems);
    // Bridge payloads and topics may be templates: the engine is loaded for a file that has any.
    if (isTemplate(JSON.stringify(raw) ?? '')) await loadTemplateEngine();
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    // A value that is wrong only because its ${VAR} or secret is missing is reported once.
    const reported = new Set(fileProblems.map((p) => `${p.line}:${p.col}`));
    for (const p of parsed.error.issues.flatMap((issue) => describeIssue(issue, raw, source, file ?? 'config'))) {
      if (!reported.has(`${p.line}:${p.col}`)) fileProblems.push(p);
    }
  }
  const bridges = checkBridgeSection(source, (raw as { bridges?: unknown } | null)?.bridges, dir, fileProblems);
  // Past this point every problem may be logged or sent on $error: none may quote a secret.
  bridges.rest = bridges.rest.map((p) => hideSensitive(p, source));
  bridges.problems = bridges.problems.map((p) => hideSensitive(p, source));
  const fatal = bridges.rest.length > 0 || !parsed.success;
  // When the config is unusable anyway, the bridges' problems are shown with the rest.
  const problems = [...bridges.rest, ...(fatal ? bridges.problems : [])].sort((a, b) => a.line - b.line || a.col - b.col).map(formatConfigProblem);
  const fromEnv = envLayer(env, cwd, problems);
  const fromFlags = flagLayer(overrides, cwd, problems);
  if (problems.length || !parsed.success) throw new ConfigError(problems);

  const cfg = parsed.data;
  const merged: Config = {
    ...cfg,
    mqtt: { ...cfg.mqtt },
    broker: { ...cfg.broker },
    node: { id: cfg.node.id ?? defaultNodeId() },
    bridges: bridges.bridges,
    bridgeProblems: bridges.problems,
    sensitive: source?.sensitive.values ?? [],
    dir,
    file,
  };
  merged.schemes = resolve(dir, merged.schemes);
  merged.data = resolve(dir, merged.data);
  for (const k of ['ca', 'cert', 'key'] as const) if (merged.mqtt[k]) merged.mqtt[k] = resolve(dir, merged.mqtt[k]!);
  for (const layer of [fromEnv, fromFlags]) {
    if (layer.url) merged.mqtt.url = layer.url;
    if (layer.node) merged.node.id = layer.node;
    if (layer.hardware) merged.hardware = layer.hardware;
    if (layer.data) merged.data = layer.data;
    if (layer.schemes) merged.schemes = layer.schemes;
    if (layer.logLevel) merged.log_level = layer.logLevel;
  }
  if (merged.mqtt.url) {
    const { url, username, password } = splitCredentials(merged.mqtt.url);
    merged.mqtt.url = url;
    if (username !== undefined) merged.mqtt.username = username;
    if (password !== undefined) merged.mqtt.password = password;
  }
  return merged;
}

interface Layer {
  url?: string;
  node?: string;
  hardware?: HardwareMode;
  data?: string;
  schemes?: string;
  logLevel?: Config['log_level'];
}

function oneOf<T extends string>(label: string, value: string, allowed: readonly T[], problems: string[]): T | undefined {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  problems.push(`${label}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}${didYouMean(value, allowed)}`);
  return undefined;
}

function checkId(label: string, value: string, problems: string[]): string | undefined {
  if (idPattern.test(value)) return value;
  problems.push(`${label}: ${idMessage}, got ${JSON.stringify(value)}`);
  return undefined;
}

function checkUrl(label: string, value: string, problems: string[]): string | undefined {
  const problem = urlProblem(value);
  if (!problem) return value;
  problems.push(`${label}: ${problem}`);
  return undefined;
}

/** HANODE_MQTT_URL, HANODE_NODE_ID, HANODE_HARDWARE, HANODE_DATA; empty ones count as unset. */
function envLayer(env: NodeJS.ProcessEnv, cwd: string, problems: string[]): Layer {
  const layer: Layer = {};
  if (env.HANODE_MQTT_URL) layer.url = checkUrl('HANODE_MQTT_URL', env.HANODE_MQTT_URL, problems);
  if (env.HANODE_NODE_ID) layer.node = checkId('HANODE_NODE_ID', env.HANODE_NODE_ID, problems);
  if (env.HANODE_HARDWARE) layer.hardware = oneOf('HANODE_HARDWARE', env.HANODE_HARDWARE, hardwareModes, problems);
  if (env.HANODE_DATA) layer.data = resolve(cwd, env.HANODE_DATA);
  return layer;
}

function flagLayer(o: Overrides, cwd: string, problems: string[]): Layer {
  const layer: Layer = {};
  if (o.mqtt) layer.url = checkUrl('--mqtt', o.mqtt, problems);
  if (o.node) layer.node = checkId('--node', o.node, problems);
  if (o.hardware) layer.hardware = oneOf('--hardware', o.hardware, hardwareModes, problems);
  if (o.logLevel) layer.logLevel = oneOf('--log-level', o.logLevel, logLevels, problems);
  if (o.schemes) layer.schemes = resolve(cwd, o.schemes);
  if (o.data) layer.data = resolve(cwd, o.data);
  return layer;
}

/** A zod issue as problems at their places in the file: one per unknown key, with did-you-mean. */
function describeIssue(issue: z.core.$ZodIssue, raw: unknown, source: Located | undefined, file: string): Problem[] {
  const path = issue.path as (string | number)[];
  const where = (pos: { line: number; col: number }, message: string): Problem => ({ file, ...pos, message });
  const at = source ? positionOf(source, path) : { line: 1, col: 1 };
  const label = path.length ? `${path.join('.')}: ` : '';
  if (issue.code === 'unrecognized_keys') {
    const parent = path.join('.');
    const known = knownKeys()[parent] ?? [];
    return issue.keys.map((key) =>
      where(source ? keyPositionOf(source, path, key) : at, `unknown key '${key}'${parent ? ` in ${parent}` : ''}${didYouMean(key, known)}`),
    );
  }
  const value = path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined), raw);
  const got = describeValue(value, path);
  if (issue.code === 'invalid_value') {
    const allowed = issue.values.map(String);
    return [where(at, `${label}expected one of ${allowed.join(', ')}, got ${got}${typeof value === 'string' ? didYouMean(value, allowed) : ''}`)];
  }
  if (issue.code === 'invalid_type') {
    const expected = issue.expected === 'object' ? 'a mapping' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`;
    return [where(at, `${label}expected ${expected}, got ${got}`)];
  }
  if ((issue.code === 'too_small' || issue.code === 'too_big') && issue.origin === 'number') {
    const [op, bound] = issue.code === 'too_big' ? [issue.inclusive ? '<=' : '<', issue.maximum] : [issue.inclusive ? '>=' : '>', issue.minimum];
    return [where(at, `${label}expected a number ${op} ${bound}, got ${got}`)];
  }
  if (issue.code === 'too_small' && issue.origin === 'string') {
    return [where(at, `${label}${Number(issue.minimum) > 1 ? `expected at least ${issue.minimum} characters` : 'expected a non-empty value'}`)];
  }
  return [where(at, `${label}${issue.message}`)];
}

/** A value for a message; a password is never shown. */
function describeValue(value: unknown, path: (string | number)[]): string {
  if (path.includes('password') || path.includes('token')) return 'a hidden value';
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return JSON.stringify(value);
}
