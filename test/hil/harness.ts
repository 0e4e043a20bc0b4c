/** The HIL suite's check list: one `ok  - …` / `FAIL - …` line per check and a closing summary. */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

let passed = 0;
let failed = 0;

/** Runs one check; a thrown error (or a rejected promise) fails it with the error's message. */
export async function check(name: string, fn: () => unknown): Promise<boolean> {
  try {
    await fn();
    passed++;
    console.log(`ok  - ${name}`);
    return true;
  } catch (err) {
    failed++;
    const message = err instanceof Error ? err.message : String(err);
    console.log(`FAIL - ${name}\n       ${message.split('\n').join('\n       ')}`);
    return false;
  }
}

/** Prints the summary line and returns the exit status. */
export function summary(): number {
  console.log(`hil: ${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

export function expectEqual<T>(actual: T, expected: T, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

export function expectNear(actual: number, expected: number, tolerance: number, what: string): void {
  if (typeof actual !== 'number' || !(Math.abs(actual - expected) <= tolerance)) {
    throw new Error(`${what}: expected ${expected} ± ${tolerance}, got ${JSON.stringify(actual)}`);
  }
}

/** Polls `probe` until it returns something other than undefined, or fails after `ms`. */
export async function waitFor<T>(what: string, ms: number, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

export const readText = (path: string): string => readFileSync(path, 'utf8').trim();
export const writeText = (path: string, text: string): void => writeFileSync(path, text);
export const run = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8' });
