/** Builds and starts a whole agent from plain objects: a temp schemes dir, a config, sim hardware. */
import { Agent } from '../../src/agent/agent.js';
import type { Config } from '../../src/config/config.js';
import { builtinRegistry } from '../../src/cli/registry.js';
import { createLogger } from '../../src/core/log.js';
import { nodeDir } from './node.js';

export interface TestAgentOptions {
  url?: string;
  node?: string;
  /** file name → YAML text, written under the schemes dir. */
  schemes: Record<string, string>;
  broker?: { host: string; port: number };
  config?: Partial<Config>;
  /** How often `$info` follows the outbox figures (default 30 s). */
  statsEveryMs?: number;
}

export async function startAgent(opts: TestAgentOptions): Promise<{ agent: Agent; dir: string; config: Config }> {
  const base = nodeDir({ url: opts.url, node: opts.node ?? 'test-pi', schemes: opts.schemes });
  const config: Config = { ...base, ...(opts.broker ? { broker: opts.broker } : {}), ...opts.config };
  const log = createLogger((process.env.HANODE_TEST_LOG as any) ?? 'silent', { pretty: false });
  const agent = new Agent({ config, registry: builtinRegistry(), log, retry: { min: 100, max: 400 }, statsEveryMs: opts.statsEveryMs });
  await agent.start();
  return { agent, dir: config.dir, config };
}
