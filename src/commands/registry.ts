/** The driver registry a command works with: the built-ins plus the plugins hanode.yaml lists. */
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { builtinRegistry, type DriverRegistry } from '../core/registry.js';
import { loadPlugins } from '../core/plugins.js';
import { silentLogger } from '../core/log.js';
import type { PluginHooks } from '../core/message-hooks.js';

export async function registryFor(config: Config, log: Logger = silentLogger): Promise<{ registry: DriverRegistry; problems: string[]; hooks: PluginHooks[] }> {
  if (config.plugins.length === 0) return { registry: builtinRegistry(), problems: [], hooks: [] };
  return loadPlugins(config.plugins, config.dir, builtinRegistry(), log);
}
