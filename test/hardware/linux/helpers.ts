/** Shared by the linux backend tests: fixture roots and loggers. */
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import type { LinuxRoots } from '../../../src/hardware/types.js';

export const FIXTURES = ['pi3', 'pi4-k6.6', 'pi5'] as const;
export type FixtureName = (typeof FIXTURES)[number];

export function fixtureRoot(name: FixtureName): string {
  return fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));
}

export function fixtureRoots(name: FixtureName): LinuxRoots {
  const root = fixtureRoot(name);
  return { sys: `${root}/sys`, dev: `${root}/dev`, proc: `${root}/proc` };
}

export const silentLog = (): Logger => pino({ level: 'silent' });

/** A logger that keeps every record it writes, parsed, so tests can check warnings. */
export function capturingLog(): { log: Logger; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line) records.push(JSON.parse(line));
      done();
    },
  });
  return { log: pino({ level: 'debug' }, sink), records };
}
