/** Shared by the outbox tests: a temp dir per test and a logger whose lines the test can read. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';

export interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

/** A pino logger that keeps every line; level 40 is warn, 50 error. */
export function captureLog(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  return { log, lines };
}

/** A fresh directory under the OS temp dir and a way to remove it. */
export function tempDir(): { dir: string; file: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'hanode-outbox-'));
  return { dir, file: join(dir, 'data', 'outbox.sqlite'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A message as the publisher would enqueue it. */
export function reading(i: number, payload = `{"v":${i}}`, topic = `han/node/t${i % 3}/state`) {
  return { topic, payload: Buffer.from(payload), qos: 1 as const, retain: true, ts: 1_700_000_000_000 + i };
}
