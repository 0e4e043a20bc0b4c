/**
 * `hanode run`: start the agent and keep it running until SIGINT or SIGTERM.
 *
 * `$request/restart` (with `management.remote: true`) answers, then stops every service cleanly
 * (status `offline`, drivers stopped, state flushed). Under systemd (the service sets
 * `INVOCATION_ID`) the process then exits with {@link RESTART_EXIT_CODE} and the unit's
 * `Restart=always` starts it again, new code and all after an upgrade. Anywhere else (a terminal,
 * Docker without a restart policy) nothing would start it again, so it restarts in this process:
 * hanode.yaml, plugins and schemes are read again and a new agent starts.
 */
import { loadConfig, type Overrides } from '../config/config.js';
import { createLogger } from '../core/log.js';
import { registryFor } from './registry.js';
import { Agent } from '../agent/agent.js';
import type { Logger } from 'pino';

/** EX_TEMPFAIL: "try again later"; the unit restarts on any exit, this code says why in the journal. */
export const RESTART_EXIT_CODE = 75;

export interface RunEnvironment {
  env: NodeJS.ProcessEnv;
  exit(code: number): void;
  /** Install SIGINT/SIGTERM handlers (false in tests that run several agents). */
  signals: boolean;
}

const defaultEnvironment: RunEnvironment = { env: process.env, exit: (code) => process.exit(code), signals: true };

export interface RunningAgent {
  /** The agent running now (a restart replaces it). */
  agent(): Agent;
  /** Stops it as SIGTERM would. */
  stop(): Promise<void>;
  /** How many times it restarted in this process. */
  restarts(): number;
}

export async function runAgent(overrides: Overrides, runEnv: RunEnvironment = defaultEnvironment): Promise<RunningAgent> {
  let agent: Agent;
  let log: Logger;
  let stopping = false;
  let restarting = false;
  let restarts = 0;

  const boot = async () => {
    const config = await loadConfig(overrides, runEnv.env);
    log = createLogger(config.log_level, { sensitive: config.sensitive });
    if (config.file) log.info(`config: ${config.file}`);
    else log.info('config: no hanode.yaml here, using the defaults');
    const { registry, problems, hooks } = await registryFor(config, log);
    agent = new Agent({
      config,
      registry,
      log,
      hooks,
      startupProblems: problems.map((error) => ({ topic: config.file ?? 'plugins', error })),
      restart: () => void restart(),
    });
    await agent.start();
  };

  const restart = async () => {
    if (stopping || restarting) return;
    restarting = true;
    const systemd = Boolean(runEnv.env.INVOCATION_ID);
    log.warn(`restarting: stopping every service, then ${systemd ? `exiting with code ${RESTART_EXIT_CODE} for systemd to start hanode again` : 'starting again in this process'}`);
    try {
      await agent.stop();
    } catch (err) {
      log.error({ err }, 'error while stopping for a restart');
    }
    if (systemd || stopping) {
      runEnv.exit(RESTART_EXIT_CODE);
      return;
    }
    try {
      await boot();
      restarts++;
    } catch (err) {
      log.fatal({ err }, `restart failed: ${(err as Error).message}`);
      runEnv.exit(1);
    } finally {
      restarting = false;
    }
  };

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
    } finally {
      clearTimeout(timer);
    }
  };
  if (runEnv.signals) {
    process.once('SIGINT', () => void shutdown('SIGINT'));
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
  }
  await boot();
  return { agent: () => agent, stop: () => shutdown('stop'), restarts: () => restarts };
}
