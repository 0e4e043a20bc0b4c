/**
 * A disk that fills while the agent runs. The data directory is a 4 MiB tmpfs that only the agent
 * sees (its own mount namespace, through `unshare`), which the test fills through
 * /proc/PID/root: SQLite then really fails with "database or disk is full". Readings keep going
 * out live, one `$error` says why, health shows it, and the outbox writes again once there is room.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, rmSync, writeSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useBroker } from '../helpers/broker-fixture.js';
import { ask, nodeDir } from '../helpers/node.js';

const broker = useBroker();

const N = 'full-pi';
const T = (s: string) => `han/${N}/${s}`;

/** Fills the file system holding `dir` with one file; returns its path. */
function fill(dir: string): string {
  const file = join(dir, 'filler');
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  return file;
}

test('the disk fills and empties again: readings flow throughout, one $error, health says memory, then disk again', async () => {
  const config = nodeDir({ url: broker.url, node: N, schemes: { 'a.yaml': 'inputs:\n  - { id: climate, driver: bme280, interval: 100ms }\n' } });
  config.log_level = 'warn';
  mkdirSync(config.data, { recursive: true });
  const file = join(config.dir!, 'config.json');
  writeFileSync(file, JSON.stringify(config));
  const child = fileURLToPath(new URL('../helpers/agent-child.ts', import.meta.url));
  const proc = spawn('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=4m tmpfs "$0" && exec "$@"', config.data, process.execPath, '--import', 'tsx', child, file], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  proc.stderr.on('data', (d) => (log += d));
  const exited = new Promise((r) => proc.once('exit', r));
  try {
    await new Promise<void>((resolve, reject) => {
      proc.stdout.on('data', (d) => String(d).includes('"started"') && resolve());
      void exited.then(() => reject(new Error(`the agent exited before it started:\n${log}`)));
    });
    await broker.probe.waitForState(T('climate'), () => true);
    const inside = `/proc/${proc.pid}/root${config.data}`;

    const full = broker.probe.mark();
    const filler = fill(inside);
    const error = await broker.probe.waitFor(T('$error'), (p) => /cannot write the outbox/.test(p), 10_000, full);
    assert.match(JSON.parse(error.payload).error, /disk is full|no space/i);
    // Readings keep going out, live, while nothing can be written.
    const during = broker.probe.mark();
    for (let i = 0; i < 5; i++) await broker.probe.waitFor(T('climate'), (_p, m) => m.seq >= during + i, 5_000, during + i);
    const health = await ask(broker.probe, N, 'health');
    assert.equal(health.data.outbox.storage, 'memory');
    assert.match(health.data.outbox.storage_error, /full/i);

    rmSync(filler);
    const deadline = Date.now() + 90_000;
    let storage = 'memory';
    while (storage !== 'disk' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      storage = (await ask(broker.probe, N, 'health')).data.outbox.storage;
    }
    assert.equal(storage, 'disk', 'the outbox writes again by itself once there is room');
    const back = broker.probe.mark();
    await broker.probe.waitForState(T('climate'), () => true, 5_000, back);

    const outboxErrors = broker.probe.on(T('$error')).filter((m) => m.seq >= full && /outbox/.test(m.payload));
    assert.equal(outboxErrors.length, 1, outboxErrors.map((m) => m.payload).join('\n'));
    const lines = log.split('\n').filter((l) => /outbox/.test(l) && /"level":50/.test(l));
    assert.equal(lines.length, 1, `one error line about the outbox in the log:\n${lines.join('\n')}`);
  } finally {
    proc.kill('SIGTERM');
    await exited;
  }
});
