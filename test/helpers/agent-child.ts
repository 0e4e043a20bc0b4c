// A whole agent in a child process, for tests that kill -9 it: the Agent that `hanode run`
// builds, on sim hardware, from a config JSON file (argv[2]). Its log goes to stderr. On stdout,
// one JSON line once start() has resolved (so after `status online`): every output's sim line,
// and what was done to each GPIO line since this process started (opened with which level, and
// every level written), so the parent can tell a restored output from one that glitched.
import { readFileSync } from 'node:fs';
import { Agent } from '../../src/agent/agent.js';
import type { Config } from '../../src/config/config.js';
import { builtinRegistry } from '../../src/cli/registry.js';
import { createLogger } from '../../src/core/log.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';

const config = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Config;
const log = createLogger(config.log_level, { pretty: false, stderr: true });
const sim = createSimHardware({ log });

/** Pin → what happened to its line, in order, with Date.now() (comparable with the parent's clock). */
const trace = new Map<number, { op: 'open' | 'write'; level: number; at: number }[]>();
const note = (pin: number, op: 'open' | 'write', level: number) => trace.set(pin, [...(trace.get(pin) ?? []), { op, level, at: Date.now() }]);
const open = sim.gpio.open.bind(sim.gpio);
sim.gpio.open = async (pin, options) => {
  const line = await open(pin, options);
  if (options.direction === 'out') {
    note(line.pin, 'open', options.initial ?? 0);
    const write = line.write.bind(line);
    line.write = async (level) => {
      await write(level);
      note(line.pin, 'write', level);
    };
  }
  return line;
};

const agent = new Agent({ config, registry: builtinRegistry(), log, hardware: sim, retry: { min: 100, max: 400 } });
try {
  await agent.start();
} catch (err) {
  process.stdout.write(`${JSON.stringify({ event: 'error', error: (err as Error).stack })}\n`);
  process.exit(1);
}
const outputs: Record<string, unknown> = {};
for (const id of agent.schemes.ids('output')) {
  const state = sim.device(id)?.state() as { pin?: number; level?: number } | undefined;
  outputs[id] = { ...state, trace: state?.pin !== undefined ? (trace.get(state.pin) ?? []) : [] };
}
process.stdout.write(`${JSON.stringify({ event: 'started', at: Date.now(), outputs })}\n`);

const stop = async () => {
  await agent.stop();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
