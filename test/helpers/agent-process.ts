/**
 * `hanode run` as a child process (the real CLI through bin/hanode.js), for tests that must
 * `kill -9` the agent: a node directory with hanode.yaml and schemes, and a handle on the process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = resolve(root, 'bin/hanode.js');

export interface NodeDirOptions {
  node: string;
  url: string;
  /** file name → YAML text, written under schemes/. */
  schemes: Record<string, string>;
  outbox?: { max_messages?: number; max_bytes?: number; drain_rate?: number };
  log_level?: string;
}

export interface NodeDir {
  dir: string;
  config: string;
  data: string;
}

/** Writes a node directory: hanode.yaml (sim hardware, `data: ./data`) and schemes/. */
export function nodeDir(opts: NodeDirOptions): NodeDir {
  const dir = mkdtempSync(join(tmpdir(), 'hanode-proc-'));
  const schemes = join(dir, 'schemes');
  mkdirSync(schemes);
  for (const [file, text] of Object.entries(opts.schemes)) writeFileSync(join(schemes, file), text);
  const outbox = opts.outbox ? `outbox: ${JSON.stringify(opts.outbox)}\n` : '';
  const config = join(dir, 'hanode.yaml');
  writeFileSync(
    config,
    `node: { id: ${opts.node} }\nmqtt: { url: "${opts.url}" }\nschemes: ./schemes\ndata: ./data\nhardware: sim\nlog_level: ${opts.log_level ?? 'info'}\n${outbox}`,
  );
  return { dir, config, data: join(dir, 'data') };
}

const running = new Set<ChildProcess>();
// A test that times out or hangs must not leave agents behind.
process.once('exit', () => killAllAgents());

/** SIGKILLs every agent process still running; call it from an `after` hook. */
export function killAllAgents(): void {
  for (const proc of running) proc.kill('SIGKILL');
}

export class AgentProcess {
  #output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(readonly proc: ChildProcess) {
    running.add(proc);
    proc.stdout!.on('data', (d) => (this.#output += d));
    proc.stderr!.on('data', (d) => (this.#output += d));
    this.exited = new Promise((resolvePromise) =>
      proc.once('exit', (code, signal) => {
        running.delete(proc);
        resolvePromise({ code, signal });
      }),
    );
  }

  /** Starts `hanode run -c <config>` with an environment free of HANODE_* settings. */
  static spawn(config: string): AgentProcess {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('HANODE_') && !k.startsWith('NODE_TEST')) env[k] = v;
    return new AgentProcess(spawn(process.execPath, [bin, 'run', '-c', config], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  /** Everything it wrote on stdout and stderr (pino JSON lines, as stdout is not a TTY). */
  get output(): string {
    return this.#output;
  }

  /** The parsed JSON log lines. */
  logLines(): { level: number; msg: string; [k: string]: unknown }[] {
    return this.#output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .flatMap((l) => {
        try {
          return [JSON.parse(l)];
        } catch {
          return [];
        }
      });
  }

  /** `kill -9`; resolves once it is gone. Returns the time the signal was sent. */
  async kill9(): Promise<number> {
    const at = Date.now();
    this.proc.kill('SIGKILL');
    const { signal } = await this.exited;
    if (signal !== 'SIGKILL') throw new Error(`the agent exited by itself (${signal}) before the kill:\n${this.#output}`);
    return at;
  }

  /** SIGTERM, then waits for the exit (SIGKILL after `timeoutMs`). */
  async stop(timeoutMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return this.exited;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
