import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Outbox } from '../../src/publisher/outbox.js';
import { captureLog, tempDir } from './outbox-helpers.js';

const CHILD = fileURLToPath(new URL('./outbox-crash-child.ts', import.meta.url));

/** Starts the child on `file`, SIGKILLs it once it has printed `killAfter` ids, returns the ids it printed. */
async function runAndKill(file: string, killAfter: number): Promise<number[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let lines = 0;
  child.stderr.on('data', (d: Buffer) => (err += d));
  child.stdout.on('data', (d: Buffer) => {
    out += d;
    for (const c of d.toString()) if (c === '\n') lines++;
    if (lines >= killAfter && child.exitCode === null && !child.killed) child.kill('SIGKILL');
  });
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.once('close', (_code, sig) => resolve(sig)));
  assert.equal(signal, 'SIGKILL', `the child died by our kill, not on its own:\n${err}`);
  // Only whole lines count: a line cut by the kill was never fully printed.
  return out.split('\n').slice(0, -1).map(Number);
}

test('kill -9 mid-stream never loses a message whose enqueue had resolved', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const { log } = captureLog();
  let lastId = 0;
  for (const killAfter of [3_000, 20_000]) {
    const printed = await runAndKill(tmp.file, killAfter);
    assert.ok(printed.length >= killAfter, `printed ${printed.length}`);
    const outbox = Outbox.open({ file: tmp.file, log });
    try {
      assert.equal(outbox.stats().corruptRecoveries, 0, 'the crash left a readable db');
      const stored = new Set(outbox.peek(1_000_000).map((m) => m.id));
      // Every third id was acked, so it may or may not be there (a lost delete is a duplicate, not a loss).
      const missing = printed.filter((id) => id % 3 !== 0 && !stored.has(id));
      assert.deepEqual(missing.slice(0, 20), [], `${missing.length} of ${printed.length} acknowledged enqueues were lost`);
      assert.ok(Math.min(...printed) > lastId, 'ids continue after a crash instead of restarting');
      lastId = Math.max(...stored, ...printed);
    } finally {
      outbox.close();
    }
  }
});
