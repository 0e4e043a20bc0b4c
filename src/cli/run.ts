/** `hanode run`: start the agent and keep it running until SIGINT or SIGTERM. */
import { loadConfig, type Overrides } from '../config/config.js';
import { createLogger } from '../core/log.js';
import { registryFor } from './registry.js';
import { Agent } from '../agent/agent.js';

export async function runAgent(overrides: Overrides): Promise<void> {
  const config = await loadConfig(overrides);
  const log = createLogger(config.log_level, { sensitive: config.sensitive });
  if (config.file) log.info(`config: ${config.file}`);
  else log.info('config: no hanode.yaml here, using the defaults');
  const { registry, problems, hooks } = await registryFor(config, log);
  const agent = new Agent({ config, registry, log, hooks, startupProblems: problems.map((error) => ({ topic: config.file ?? 'plugins', error })) });
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal} received`);
    const timer = setTimeout(() => {
      log.error('shutdown took longer than 10 s; exiting anyway');
      process.exit(1);
    }, 10_000);
    timer.unref();
    try {
      await agent.stop();
      process.exitCode = 0;
    } catch (err) {
      log.error({ err }, 'error while stopping');
      process.exitCode = 1;
    }
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  await agent.start();
}
