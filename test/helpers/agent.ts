/** Builds and starts a whole agent from plain objects: a temp schemes dir, a config, sim hardware. */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Agent } from '../../src/agent/agent.js';
import type { Config } from '../../src/config/config.js';
import { builtinRegistry } from '../../src/core/registry.js';
import { createLogger } from '../../src/core/log.js';

export interface TestAgentOptions {
  url?: string;
  node?: string;
  /** file name → YAML text, written under the schemes dir. */
  schemes: Record<string, string>;
  broker?: { host: string; port: number };
  config?: Partial<Config>;
}

export async function startAgent(opts: TestAgentOptions): Promise<{ agent: Agent; dir: string; config: Config }> {
  const dir = mkdtempSync(join(tmpdir(), 'hanode-test-'));
  const schemes = join(dir, 'schemes');
  mkdirSync(schemes);
  for (const [file, text] of Object.entries(opts.schemes)) {
    mkdirSync(dirname(join(schemes, file)), { recursive: true });
    writeFileSync(join(schemes, file), text);
  }
  const config: Config = {
    node: { id: opts.node ?? 'test-pi' },
    base_topic: 'han',
    mqtt: { url: opts.url, keepalive: 30 },
    broker: opts.broker ?? { host: '127.0.0.1', port: 1883 },
    schemes,
    data: join(dir, 'data'),
    hardware: 'sim',
    log_level: 'warn',
    bridges: [],
    plugins: [],
    outbox: { max_messages: 1_000_000, max_bytes: 256 * 1024 * 1024, drain_rate: 5_000 },
    dir,
    ...opts.config,
  };
  const log = createLogger((process.env.HANODE_TEST_LOG as any) ?? 'silent', { pretty: false });
  const agent = new Agent({ config, registry: builtinRegistry(), log, retry: { min: 100, max: 400 } });
  await agent.start();
  return { agent, dir, config };
}
