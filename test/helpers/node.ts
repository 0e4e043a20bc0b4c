/**
 * A node directory that outlives its agent, so a test can stop (or kill -9) an agent and start
 * another on the same schemes and `data/`. Agents run in this process ({@link startNode}) or as a
 * child process ({@link spawnNode}, through agent-child.ts) when the test needs `kill -9`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { Agent } from '../../src/agent/agent.js';
import type { Config } from '../../src/config/config.js';
import { builtinRegistry } from '../../src/cli/registry.js';
import { createLogger } from '../../src/core/log.js';

export interface NodeDirOptions {
  url?: string;
  node: string;
  /** file name → YAML text, written under `schemes/`. */
  schemes: Record<string, string>;
}

/** Writes the schemes into a fresh temp dir and returns the config an agent there would run with. */
export function nodeDir(opts: NodeDirOptions): Config {
  const dir = mkdtempSync(join(tmpdir(), `hanode-${opts.node}-`));
  const schemes = join(dir, 'schemes');
  mkdirSync(schemes);
  for (const [file, text] of Object.entries(opts.schemes)) {
    mkdirSync(dirname(join(schemes, file)), { recursive: true });
    writeFileSync(join(schemes, file), text);
  }
  return {
    node: { id: opts.node },
    base_topic: 'han',
    mqtt: { url: opts.url, keepalive: 30 },
    broker: { host: '127.0.0.1', port: 1883 },
    schemes,
    data: join(dir, 'data'),
    hardware: 'sim',
    log_level: 'warn',
    bridges: [],
    plugins: [],
    outbox: { max_messages: 1_000_000, max_bytes: 256 * 1024 * 1024, drain_rate: 5_000 },
    homeassistant: { discovery: true, prefix: 'homeassistant' },
    dir,
  };
}

/** A logger that keeps what it writes (JSON lines), for asserting on warnings. */
export function recordingLogger(level: 'warn' | 'info' = 'warn'): { log: Logger; lines: () => Record<string, any>[] } {
  const lines: string[] = [];
  const log = pino({ level, base: undefined }, { write: (s: string) => void lines.push(s) });
  return { log, lines: () => lines.map((l) => JSON.parse(l)) };
}

/** Starts an agent in this process on `config`; on sim unless the config says otherwise. */
export async function startNode(config: Config, log?: Logger): Promise<Agent> {
  const agent = new Agent({
    config,
    registry: builtinRegistry(),
    log: log ?? createLogger((process.env.HANODE_TEST_LOG as any) ?? 'silent', { pretty: false }),
    retry: { min: 100, max: 400 },
  });
  await agent.start();
  return agent;
}

/** One thing done to a GPIO output line in the child: opened with an initial level, or written. */
export interface LineTrace {
  op: 'open' | 'write';
  level: number;
  /** Date.now() in the child. */
  at: number;
}

/** What agent-child.ts reports on stdout, one JSON object a line. */
export type ChildEvent =
  | { event: 'started'; at: number; outputs: Record<string, { pin?: number; level?: number; trace: LineTrace[] }> }
  | { event: 'error'; error: string };

export interface NodeChild {
  proc: ChildProcess;
  /** stderr so far: the agent's log (JSON lines at the config's log level). */
  log: () => string;
  /** Resolves when the agent's start() has resolved (status online published) and it said so. */
  started: Promise<Extract<ChildEvent, { event: 'started' }>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill9: () => Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const proc of running) proc.kill('SIGKILL');
});

/** Runs an agent on `config` in a child process (sim hardware), as `hanode run` would. */
export function spawnNode(config: Config): NodeChild {
  const file = join(config.dir!, `config-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(config));
  const child = fileURLToPath(new URL('./agent-child.ts', import.meta.url));
  const proc = spawn(process.execPath, ['--import', 'tsx', child, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(proc);
  let stdout = '';
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => {
      running.delete(proc);
      resolve({ code, signal });
    }),
  );
  const started = new Promise<Extract<ChildEvent, { event: 'started' }>>((resolve, reject) => {
    proc.stdout!.on('data', (d) => {
      stdout += d;
      for (const line of stdout.split('\n').slice(0, -1)) {
        const e = JSON.parse(line) as ChildEvent;
        if (e.event === 'started') resolve(e);
        if (e.event === 'error') reject(new Error(`the agent did not start: ${e.error}\n${stderr}`));
      }
    });
    void exited.then(({ code, signal }) => reject(new Error(`the agent exited (${code ?? signal}) before it started:\n${stderr}`)));
  });
  started.catch(() => {});
  return {
    proc,
    log: () => stderr,
    started,
    exited,
    kill9: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}

let transactions = 0;

/**
 * Sends `B/N/$request/OP` and resolves with the `$response/OP` carrying the same transaction.
 * The probe must be subscribed to the node's `$response/#` (the default `han/#` is).
 */
export async function ask(
  probe: import('./probe.js').Probe,
  node: string,
  op: string,
  args: Record<string, unknown> = {},
  timeoutMs = 5_000,
): Promise<{ status: 'ok' | 'error'; data?: any; error?: string; transaction?: unknown }> {
  const transaction = `t${++transactions}-${Date.now()}`;
  const since = probe.mark();
  await probe.publish(`han/${node}/$request/${op}`, JSON.stringify({ ...args, transaction }));
  const m = await probe.waitFor(`han/${node}/$response/${op}`, (p) => JSON.parse(p).transaction === transaction, timeoutMs, since);
  return JSON.parse(m.payload);
}
