/** Runs `node bin/hanode.js …` as a user would: no stdin, a timeout, a clean environment. */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const bin = resolve(root, 'bin/hanode.js');

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment without HANODE_* settings of whoever runs the tests, nor the test runner's. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('HANODE_') && !k.startsWith('NODE_TEST')) env[k] = v;
  return { ...env, ...extra };
}

/** Starts hanode; the caller owns the process. */
export function start(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): ChildProcess {
  return spawn(process.execPath, [bin, ...args], { cwd: opts.cwd ?? root, env: cleanEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs hanode to the end; kills it (and fails) after `timeoutMs`. */
export function hanode(args: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<Result> {
  const proc = start(args, opts);
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (d) => (stdout += d));
  proc.stderr!.on('data', (d) => (stderr += d));
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`hanode ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    proc.once('error', reject);
    proc.once('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

/** `FILE:LINE:COL: message`. */
export const problemLine = /^[^:]+:\d+:\d+: .+/;
