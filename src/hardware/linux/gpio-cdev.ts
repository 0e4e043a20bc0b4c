/**
 * Inputs with a pull resistor, through the GPIO character device. The sysfs interface onoff uses
 * cannot set a line's bias; the character device can (kernel 5.5 and later), and libgpiod's
 * tools (Debian package `gpiod`) expose it as `--bias`. So an input with `pull: up` or `down`:
 *   1. reads its level once with `gpioget --bias=…`, which also sets the bias (the pin controller
 *      keeps it after the tool exits, as gpio-sim does);
 *   2. keeps `gpiomon --bias=… <chip> <offset>` running, which holds the line with the same bias
 *      and prints one line per edge the kernel timestamps from the interrupt.
 * The level `read()` returns is the one the last edge left, so no read races the monitor for the
 * line (a line held by gpiomon cannot be requested again).
 *
 * The tools are libgpiod 1.x's (Debian 12, Raspberry Pi OS bookworm); libgpiod 2 renamed their
 * options, and is refused with a clear error rather than guessed at.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import type { GpioLine, Level } from '../types.js';

export type Pull = 'up' | 'down';

const READY_POLL_MS = 20;
const READY_MAX_MS = 5000;

const BIAS: Record<Pull, string> = { up: 'pull-up', down: 'pull-down' };

/** Runs a tool and returns its stdout; replaceable for tests. */
export type ToolRunner = (tool: string, args: string[]) => Promise<string>;
/** Starts a long-running tool; replaceable for tests. */
export type ToolSpawner = (tool: string, args: string[]) => ChildProcess;

const runTool: ToolRunner = async (tool, args) => (await promisify(execFile)(tool, args, { encoding: 'utf8', timeout: 5000 })).stdout;
const spawnTool: ToolSpawner = (tool, args) => spawn(tool, args, { stdio: ['ignore', 'pipe', 'pipe'] });

export interface CdevOptions {
  log: Logger;
  run?: ToolRunner;
  spawn?: ToolSpawner;
}

/** `gpiodetect` lines: `gpiochip0 [pinctrl-bcm2711] (58 lines)` → name and label. */
export function parseGpiodetect(text: string): { name: string; label: string; lines: number }[] {
  return text
    .split('\n')
    .map((line) => /^(\S+) \[(.*)\] \((\d+) lines\)$/.exec(line.trim()))
    .filter((m) => m !== null)
    .map((m) => ({ name: m[1]!, label: m[2]!, lines: Number(m[3]) }));
}

/** Whether `gpioinfo <chip>` shows line `offset` held by gpiomon (`line  22: "GPIO22" "gpiomon" input …`). */
export function heldByGpiomon(gpioinfo: string, offset: number): boolean {
  return gpioinfo.split('\n').some((l) => new RegExp(`^\\s*line\\s+${offset}:\\s+\\S+\\s+"gpiomon"`).test(l));
}

/** One `gpiomon --format='%e'` line: `1` for a rising edge, `0` for a falling one. */
export function parseEdge(line: string): Level | undefined {
  const t = line.trim();
  return t === '1' ? 1 : t === '0' ? 0 : undefined;
}

const missingTools = (err: unknown) =>
  (err as NodeJS.ErrnoException).code === 'ENOENT'
    ? new Error('pull: up/down needs libgpiod\'s tools (gpiodetect, gpioget, gpiomon): install the "gpiod" package')
    : (err as Error);

/** The character-device chip (`gpiochipN`) whose label is `label`. */
export async function cdevChipByLabel(label: string, run: ToolRunner = runTool): Promise<string> {
  const version = await run('gpiomon', ['--version']).catch((err) => Promise.reject(missingTools(err)));
  const m = /v(\d+)\.(\d+)/.exec(version);
  if (!m || m[1] !== '1') {
    throw new Error(`pull: up/down supports the libgpiod 1.x tools; gpiomon says ${JSON.stringify(version.split('\n')[0])}`);
  }
  const chips = parseGpiodetect(await run('gpiodetect', []));
  const chip = chips.find((c) => c.label === label);
  if (!chip) throw new Error(`no GPIO character device labelled ${label}; gpiodetect lists ${chips.map((c) => `${c.name} [${c.label}]`).join(', ') || 'none'}`);
  return chip.name;
}

/** Opens `offset` on character-device chip `chip` as an input with `pull`, watched by gpiomon. */
export async function openPulledInput(chip: string, offset: number, pull: Pull, options: CdevOptions): Promise<GpioLine> {
  const run = options.run ?? runTool;
  const bias = `--bias=${BIAS[pull]}`;
  const where = `${chip} line ${offset}`;
  const first = (await run('gpioget', [bias, chip, String(offset)]).catch((err) => Promise.reject(missingTools(err)))).trim();
  if (first !== '0' && first !== '1') throw new Error(`gpioget ${where}: expected 0 or 1, got ${JSON.stringify(first)}`);
  let level: Level = first === '1' ? 1 : 0;
  const listeners = new Set<(level: Level) => void>();

  let closed = false;
  const monitor = (options.spawn ?? spawnTool)('gpiomon', [bias, '--line-buffered', '--format=%e', chip, String(offset)]);
  let exited = false;
  let stderr = '';
  monitor.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-500)));
  const gone = new Promise<void>((resolve) =>
    monitor.once('exit', (code, signal) => {
      exited = true;
      if (!closed) options.log.warn({ chip, offset, code, signal, stderr: stderr.trim() }, `gpiomon for ${where} stopped; its edges are no longer seen`);
      resolve();
    }),
  );
  monitor.once('error', (err) => options.log.warn({ err: missingTools(err).message, chip, offset }, `gpiomon for ${where} failed`));
  createInterface({ input: monitor.stdout! }).on('line', (text) => {
    const edge = parseEdge(text);
    if (edge === undefined) return;
    level = edge;
    for (const listener of listeners) listener(edge);
  });

  // gpiomon prints nothing once it holds the line; until it does, an edge would be missed. Wait
  // until gpioinfo shows the line held by it.
  for (let waited = 0; ; waited += READY_POLL_MS) {
    if (exited) throw new Error(`gpiomon for ${where} exited at once: ${stderr.trim() || 'no message'}`);
    if (heldByGpiomon(await run('gpioinfo', [chip]), offset)) break;
    if (waited >= READY_MAX_MS) {
      monitor.kill('SIGTERM');
      throw new Error(`gpiomon for ${where} did not take the line within ${READY_MAX_MS} ms`);
    }
    await sleep(READY_POLL_MS);
  }

  return {
    pin: offset,
    read: async () => {
      if (exited) throw new Error(`gpiomon for ${where} has stopped (${stderr.trim() || 'no message'}): the level is no longer known`);
      return level;
    },
    write: async () => {
      throw new Error(`${where} is an input: it cannot be written`);
    },
    watch(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      if (!exited) monitor.kill('SIGTERM');
      await gone;
    },
  };
}
