/** The driver registry a command works with: the built-ins plus the plugins hanode.yaml lists. */
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { DriverRegistry } from '../core/registry.js';
import { builtinRegistry } from '../drivers.js';
import { loadPlugins } from '../core/plugins.js';
import { silentLogger } from '../core/log.js';

export async function registryFor(config: Config, log: Logger = silentLogger): Promise<{ registry: DriverRegistry; problems: string[] }> {
  if (config.plugins.length === 0) return { registry: builtinRegistry(), problems: [] };
  return loadPlugins(config.plugins, config.dir, builtinRegistry(), log);
}
