/**
 * The driver registry a command works with: the built-in drivers (the typed maps of
 * src/drivers-in and src/drivers-out) plus the plugins hanode.yaml lists. The agent and the
 * loaders are given a registry; nothing in src/core or src/hardware imports the drivers.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { DriverRegistry } from '../core/registry.js';
import { loadPlugins } from '../core/plugins.js';
import { silentLogger } from '../core/log.js';
import type { PluginHooks } from '../core/message-hooks.js';
import { inputDrivers } from '../drivers-in/index.js';
import { outputDrivers } from '../drivers-out/index.js';

/**
 * A fresh registry of the built-in drivers, none loaded yet: a driver's module loads when a
 * scheme names it (the scheme loaders do that), or with `loadAll()` for what needs every driver.
 */
export function builtinRegistry(): DriverRegistry {
  return new DriverRegistry({ inputs: inputDrivers, outputs: outputDrivers });
}

export async function registryFor(config: Config, log: Logger = silentLogger): Promise<{ registry: DriverRegistry; problems: string[]; hooks: PluginHooks[] }> {
  if (config.plugins.length === 0) return { registry: builtinRegistry(), problems: [], hooks: [] };
  return loadPlugins(config.plugins, config.dir, builtinRegistry(), log);
}
