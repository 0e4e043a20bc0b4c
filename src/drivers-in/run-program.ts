/**
 * Runs a program without a shell, with a timeout that really ends it: SIGTERM to its whole
 * process group, then SIGKILL after a grace period. The group matters: a script killed alone
 * leaves its `sleep` or `curl` behind, holding the output pipe open.
 */
import { spawn } from 'node:child_process';

/** Output beyond this is refused (and the program killed): the driver reads values, not logs. */
export const MAX_OUTPUT = 64 * 1024;
/** How long a program gets between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 1000;

export interface Running {
  /** Resolves with stdout on exit status 0; rejects on a non-zero status, a signal, a timeout or too much output. */
  done: Promise<{ stdout: string; stderr: string }>;
  /** Ends the program at once (SIGKILL to its group). */
  kill(): void;
}

export interface RunOptions {
  timeoutMs: number;
  /** Added to a minimal environment (PATH, LANG): the agent's own, with its secrets, is not passed on. */
  env?: Record<string, string>;
}

export function runProgram(program: string, args: string[], options: RunOptions): Running {
  const child = spawn(program, args, {
    shell: false,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a kill reaches everything it started.
    detached: true,
    env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', ...options.env },
  });
  const signal = (sig: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, sig);
    } catch {
      // Already gone.
    }
  };
  let why: string | undefined;
  let grace: NodeJS.Timeout | undefined;
  const end = (reason: string) => {
    why ??= reason;
    signal('SIGTERM');
    grace ??= setTimeout(() => signal('SIGKILL'), KILL_GRACE_MS);
  };
  const timer = setTimeout(() => end(`no exit within ${options.timeoutMs} ms (killed)`), options.timeoutMs);

  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let size = 0;
  const collect = (into: Buffer[]) => (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_OUTPUT) return end(`more than ${MAX_OUTPUT} bytes of output (killed)`);
    into.push(chunk);
  };
  child.stdout.on('data', collect(out));
  child.stderr.on('data', collect(err));

  const done = new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${program} could not be started: ${e.message}`));
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      clearTimeout(grace);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (why) return reject(new Error(`${program}: ${why}`));
      if (code === 0) return resolve({ stdout, stderr });
      const detail = stderr.trim().split('\n').at(-1)?.slice(0, 200);
      reject(new Error(`${program} ${sig ? `was ended by ${sig}` : `exited with status ${code}`}${detail ? `: ${detail}` : ''}`));
    });
  });
  return {
    done,
    kill: () => {
      why ??= 'stopped';
      signal('SIGKILL');
    },
  };
}
