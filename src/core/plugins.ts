/**
 * Plugins: user modules that export driver definitions of the same shape as the built-ins
 * (`{ name, direction, description, bus, schema, fields, example, create }`, plus `polled` for inputs
 * and `command` for outputs). They join the same registry, so they get schema validation,
 * `hanode drivers` and `hanode schema` like any other driver. They are the only modules hanode
 * imports by path, and only from the paths listed under `plugins:` in hanode.yaml.
 * A module may also (or only) export message hooks, `onMessageReceived` and `onMessageSent`.
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { DriverDef } from './driver.js';
import type { DriverRegistry } from './registry.js';
import type { PluginHooks } from './message-hooks.js';

const NAME = /^[a-z][a-z0-9-]*$/;

/** What is wrong with `value` as a driver definition, or an empty list. */
export function driverDefProblems(value: unknown): string[] {
  if (!value || typeof value !== 'object') return ['expected a driver definition object'];
  const d = value as Record<string, any>;
  const problems: string[] = [];
  if (typeof d.name !== 'string' || !NAME.test(d.name)) problems.push(`name: expected lower-case letters, digits and dashes, got ${JSON.stringify(d.name)}`);
  if (d.direction !== 'input' && d.direction !== 'output') problems.push(`direction: expected 'input' or 'output', got ${JSON.stringify(d.direction)}`);
  if (typeof d.description !== 'string') problems.push('description: expected text');
  if (!d.schema || typeof d.schema.safeParse !== 'function' || typeof d.schema.shape !== 'object') problems.push('schema: expected a zod object (z.object({...}))');
  if (!Array.isArray(d.fields)) problems.push('fields: expected a list of {name, type, unit?, description}');
  if (typeof d.create !== 'function') problems.push('create: expected a function (options, ctx) => driver');
  if (d.direction === 'input' && typeof d.polled !== 'boolean') problems.push('polled: expected true or false');
  if (d.direction === 'output' && (!d.command || typeof d.command.safeParse !== 'function')) problems.push('command: expected a zod schema for the commands it takes');
  if (!d.example || typeof d.example !== 'object') problems.push('example: expected a complete scheme entry, for the docs');
  return problems;
}

/**
 * Imports each plugin module and adds the driver definitions it exports (default or named) to a
 * copy of `registry`. A plugin that cannot be loaded, or a definition that does not fit, is reported
 * and left out; the rest load.
 */
export async function loadPlugins(
  paths: readonly string[],
  baseDir: string,
  registry: DriverRegistry,
  log: Logger,
): Promise<{ registry: DriverRegistry; problems: string[]; hooks: PluginHooks[] }> {
  const out = registry.copy();
  const problems: string[] = [];
  const hooks: PluginHooks[] = [];
  for (const path of paths) {
    const file = resolve(baseDir, path);
    let mod: Record<string, unknown>;
    try {
      mod = await import(pathToFileURL(file).href);
    } catch (err) {
      problems.push(`${file}: cannot load plugin: ${(err as Error).message.split('\n')[0]}`);
      continue;
    }
    const defs = Object.entries(mod).filter(([, v]) => v && typeof v === 'object' && 'direction' in (v as object));
    const hook = (name: 'onMessageReceived' | 'onMessageSent') => {
      if (mod[name] !== undefined && typeof mod[name] !== 'function') problems.push(`${file}: export '${name}': expected a function ({topic, payload, ts}) => void`);
      return typeof mod[name] === 'function' ? (mod[name] as PluginHooks[typeof name]) : undefined;
    };
    const own: PluginHooks = { source: file, onMessageReceived: hook('onMessageReceived'), onMessageSent: hook('onMessageSent') };
    if (own.onMessageReceived || own.onMessageSent) {
      hooks.push(own);
      log.info(`plugin: message hooks from ${file}`);
    }
    if (defs.length === 0 && !own.onMessageReceived && !own.onMessageSent)
      problems.push(`${file}: exports no driver definition (an object with name, direction, schema, fields, create) and no message hook (onMessageReceived, onMessageSent)`);
    for (const [exported, value] of defs) {
      const def = value as DriverDef;
      const found = driverDefProblems(def);
      if (found.length) {
        problems.push(...found.map((p) => `${file}: export '${exported}': ${p}`));
        continue;
      }
      if (out.has('input', def.name) || out.has('output', def.name)) {
        problems.push(`${file}: export '${exported}': a driver named '${def.name}' already exists`);
        continue;
      }
      out.add(def);
      log.info(`plugin: ${def.direction} driver '${def.name}' from ${file}`);
    }
  }
  for (const p of problems) log.error(p);
  return { registry: out, problems, hooks };
}
