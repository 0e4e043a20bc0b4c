/** A state file that cannot be written: one warning per kind of failure, retries that back off, and a line when it writes again. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { pino } from 'pino';
import { StateStore } from '../../src/state/store.js';

test('a data directory that cannot be written warns once, retries with growing waits, and says when it writes again', async () => {
  const root = mkdtempSync(join(tmpdir(), 'hanode-state-ro-'));
  const data = join(root, 'data');
  mkdirSync(data);
  const lines: { level: number; msg: string }[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const store = await StateStore.open({ file: join(data, 'state.json'), log, flushMs: 1, overrideFlushMs: 1, retryMs: 10 });
  // Swap the directory for a file: every write now fails (each with another temp file name in its message).
  rmSync(data, { recursive: true });
  writeFileSync(data, 'not a directory');
  store.setState('fan', { state: 'ON' }, new Date(), true);
  await new Promise((r) => setTimeout(r, 400));
  const failures = store.stats.failures;
  assert.ok(failures >= 3, `retried ${failures} time(s)`);
  assert.ok(failures <= 7, `the retries back off: ${failures} in 400 ms from 10 ms`);
  const warnings = lines.filter((l) => l.level === 40 && /state: cannot write/.test(l.msg));
  assert.equal(warnings.length, 1, warnings.map((w) => w.msg).join('\n'));

  rmSync(data);
  mkdirSync(data);
  const deadline = Date.now() + 5_000;
  while ((store.stats.dirty || store.stats.failures > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(store.stats.dirty, false, 'written once the directory is back');
  assert.ok(lines.some((l) => /state: writing .* again/.test(l.msg)), JSON.stringify(lines.map((l) => l.msg)));
  await store.close();
  rmSync(root, { recursive: true, force: true });
});
