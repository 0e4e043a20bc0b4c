/** Shared bench plumbing: percentiles, a child agent, RSS of a process. */
import { NODE_FLAGS } from '../src/cli/service.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'mqtt';

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function summarise(samples: number[]): { p50: number; p99: number; mean: number; n: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), mean: samples.reduce((a, b) => a + b, 0) / samples.length, n: samples.length };
}

export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/** Starts `hanode run` as a child process (the real CLI), resolved once its status topic says online. */
export async function startAgentProcess(url: string, node: string, args: string[]): Promise<ChildProcess> {
  const watcher = connect(url, { clientId: `bench-watch-${node}` });
  await watcher.subscribeAsync(`han/${node}/status`);
  // The flags npm start and the systemd unit give node, so the bench measures what users run.
  const child = spawn(process.execPath, [...NODE_FLAGS, 'bin/hanode.js', 'run', '--mqtt', url, '--node', node, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  running.add(child);
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`agent did not come online:\n${err}`)), 20_000);
      watcher.on('message', (_t, p) => p.toString() === 'online' && (clearTimeout(timer), resolve()));
      child.once('exit', (code) => reject(new Error(`agent exited with ${code}:\n${err}`)));
    });
  } finally {
    await watcher.endAsync();
  }
  return child;
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export const fmt = (n: number, digits = 2) => n.toFixed(digits);

/** Every child a bench started and has not seen exit: killed when the bench process exits, however it ends. */
export const running = new Set<ChildProcess>();
process.on('exit', () => running.forEach((c) => c.exitCode === null && c.kill('SIGKILL')));
