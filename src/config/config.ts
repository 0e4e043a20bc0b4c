/**
 * The node config (`hanode.yaml`, CONTRACT §2): defaults, then the file, then the environment,
 * then CLI flags. `${ENV_VAR}` and `!secret name` are resolved here, so nothing downstream ever
 * sees where a secret came from.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { readYamlFile, positionOf, ConfigError, type Located } from './yaml-source.js';

export { ConfigError };

export const hardwareModes = ['auto', 'linux', 'sim'] as const;
export type HardwareMode = (typeof hardwareModes)[number];

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const configSchema = z
  .object({
    node: z.object({ id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected lower-case letters, digits and dashes').optional() }).strict().default({}),
    base_topic: z.string().min(1).regex(/^[^#+$][^#+]*$/, 'expected a topic without wildcards').default('han'),
    mqtt: z
      .object({
        url: z.string().regex(/^(mqtts?|wss?|tcp|ssl):\/\//, 'expected a URL such as mqtt://host:1883').optional(),
        username: z.string().optional(),
        password: z.string().optional(),
        client_id: z.string().optional(),
        ca: z.string().optional(),
        cert: z.string().optional(),
        key: z.string().optional(),
        keepalive: z.number().int().positive().default(30),
      })
      .strict()
      .default({ keepalive: 30 }),
    broker: z
      .object({ host: z.string().default('127.0.0.1'), port: z.number().int().min(1).max(65535).default(1883) })
      .strict()
      .default({ host: '127.0.0.1', port: 1883 }),
    schemes: z.string().default('./schemes'),
    data: z.string().default('./data'),
    hardware: z.enum(hardwareModes).default('auto'),
    log_level: z.enum(logLevels).default('info'),
    bridges: z.array(z.record(z.string(), z.unknown())).default([]),
    plugins: z.array(z.string()).default([]),
  })
  .strict();

export type FileConfig = z.output<typeof configSchema>;

/** Everything the agent needs, resolved: paths absolute, node id decided. */
export interface Config extends Omit<FileConfig, 'node'> {
  node: { id: string };
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

/** `hostname`, lower-cased, with anything outside [a-z0-9-] turned into '-'. */
export function defaultNodeId(host = hostname()): string {
  return host.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+/, '') || 'hanode';
}

/**
 * Reads the config: `overrides.config`, else ./hanode.yaml when present, else defaults.
 * Throws ConfigError with `FILE:LINE:COL: message` lines.
 */
export async function loadConfig(overrides: Overrides = {}, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Promise<Config> {
  const file = overrides.config ? resolve(cwd, overrides.config) : existsSync(resolve(cwd, 'hanode.yaml')) ? resolve(cwd, 'hanode.yaml') : undefined;
  const dir = file ? dirname(file) : cwd;
  let raw: unknown = {};
  let source: Located | undefined;
  if (file) {
    if (!existsSync(file)) throw new ConfigError([`${file}: config file not found`]);
    source = await readYamlFile(file, { secrets: () => loadSecrets(dir), env });
    raw = source.value ?? {};
  }
  const parsed = configSchema.safeParse(applyEnv(raw, env));
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => {
      const pos = source ? positionOf(source, issue.path as (string | number)[]) : { line: 1, col: 1 };
      return `${file ?? 'config'}:${pos.line}:${pos.col}: ${issue.path.join('.')}: ${issue.message}`;
    }));
  }
  const cfg = parsed.data;
  const merged: Config = {
    ...cfg,
    node: { id: cfg.node.id ?? defaultNodeId() },
    dir,
    file,
  };
  applyFlags(merged, overrides);
  merged.schemes = resolve(dir, merged.schemes);
  merged.data = resolve(dir, merged.data);
  for (const k of ['ca', 'cert', 'key'] as const) if (merged.mqtt[k]) merged.mqtt[k] = resolve(dir, merged.mqtt[k]!);
  return merged;
}

function applyEnv(raw: unknown, env: NodeJS.ProcessEnv): unknown {
  const cfg = structuredClone((raw ?? {}) as Record<string, any>);
  if (env.HANODE_MQTT_URL) cfg.mqtt = { ...cfg.mqtt, url: env.HANODE_MQTT_URL };
  if (env.HANODE_NODE_ID) cfg.node = { ...cfg.node, id: env.HANODE_NODE_ID };
  if (env.HANODE_HARDWARE) cfg.hardware = env.HANODE_HARDWARE;
  if (env.HANODE_DATA) cfg.data = env.HANODE_DATA;
  return cfg;
}

function applyFlags(cfg: Config, o: Overrides): void {
  const problems: string[] = [];
  if (o.schemes) cfg.schemes = resolve(o.schemes);
  if (o.data) cfg.data = resolve(o.data);
  if (o.mqtt) cfg.mqtt.url = o.mqtt;
  if (o.node) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(o.node)) problems.push(`--node: expected lower-case letters, digits and dashes, got '${o.node}'`);
    cfg.node.id = o.node;
  }
  if (o.hardware) {
    if (!(hardwareModes as readonly string[]).includes(o.hardware)) problems.push(`--hardware: expected one of auto, linux, sim, got '${o.hardware}'`);
    cfg.hardware = o.hardware as HardwareMode;
  }
  if (o.logLevel) {
    if (!(logLevels as readonly string[]).includes(o.logLevel)) problems.push(`--log-level: expected one of ${logLevels.join(', ')}, got '${o.logLevel}'`);
    cfg.log_level = o.logLevel as Config['log_level'];
  }
  if (problems.length) throw new ConfigError(problems);
}

async function loadSecrets(dir: string): Promise<Record<string, unknown>> {
  const file = resolve(dir, 'secrets.yaml');
  if (!existsSync(file)) return {};
  const { parse } = await import('yaml');
  return (parse(await readFile(file, 'utf8')) ?? {}) as Record<string, unknown>;
}
