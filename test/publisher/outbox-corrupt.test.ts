import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Outbox } from '../../src/publisher/outbox.js';
import { captureLog, reading, tempDir } from './outbox-helpers.js';

type Info = { file: string; movedTo?: string; error: string };

/** Opens over whatever `spoil` left at the file and checks the whole recovery. */
async function expectRecovery(t: { after: (fn: () => void) => void }, spoil: (file: string) => void | Promise<void>, error: RegExp) {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  mkdirSync(dirname(tmp.file), { recursive: true });
  await spoil(tmp.file);
  const before = existsSync(tmp.file) ? readFileSync(tmp.file) : undefined;
  const { log, lines } = captureLog();
  const reports: Info[] = [];
  const outbox = Outbox.open({ file: tmp.file, log, commitWindowMs: 1, onCorrupt: (i) => reports.push(i) });
  try {
    assert.equal(reports.length, 1, 'onCorrupt is called once');
    const info = { ...reports[0]!, movedTo: reports[0]!.movedTo ?? '(nothing was moved)' };
    assert.equal(info.file, tmp.file);
    assert.match(info.error, error);
    assert.match(info.movedTo, /outbox\.sqlite\.corrupt-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(existsSync(info.movedTo), 'the bad file is kept, renamed');
    if (before) assert.deepEqual(readFileSync(info.movedTo), before, 'moved byte for byte');
    const warn = lines.find((l) => l.level === 40 && l.msg.includes('moved it aside'));
    assert.ok(warn, `a warning says so; got ${JSON.stringify(lines)}`);
    assert.ok(warn.msg.includes(info.movedTo));
    assert.deepEqual({ ...outbox.stats(), commits: 0 }, { depth: 0, bytes: 0, oldestTs: null, newestId: null, dropped: 0, corruptRecoveries: 1, commits: 0, pending: 0 });
    const m = await outbox.enqueue(reading(1));
    assert.deepEqual(outbox.peek(10).map((x) => x.id), [m.id], 'the fresh outbox works');
  } finally {
    outbox.close();
  }
  // The count lives in the fresh file, so it survives a restart, and a good file is not moved again.
  const again = Outbox.open({ file: tmp.file, log, onCorrupt: (i) => reports.push(i) });
  assert.equal(again.stats().corruptRecoveries, 1);
  assert.equal(again.stats().depth, 1);
  again.close();
  assert.equal(reports.length, 1);
  return { dir: dirname(tmp.file), info: reports[0] };
}

test('a file of garbage bytes is moved aside and the outbox starts empty', async (t) => {
  await expectRecovery(t, (file) => writeFileSync(file, randomBytes(64 * 1024)), /not a database/);
});

test('a real outbox cut to half its size is moved aside', async (t) => {
  await expectRecovery(
    t,
    async (file) => {
      const { log } = captureLog();
      const o = Outbox.open({ file, log });
      await Promise.all(Array.from({ length: 3000 }, (_, i) => o.enqueue(reading(i, 'x'.repeat(500)))));
      o.close();
      assert.equal(existsSync(file + '-wal'), false, 'close checkpoints the WAL into the main file');
      const size = statSync(file).size;
      assert.ok(size > 1_000_000, `a real db of ${size} bytes`);
      truncateSync(file, Math.floor(size / 2));
    },
    /malformed|quick_check/,
  );
});

test('a garbage WAL next to a garbage file moves aside with it', async (t) => {
  const { dir, info } = await expectRecovery(
    t,
    (file) => {
      writeFileSync(file, randomBytes(8192));
      writeFileSync(file + '-wal', randomBytes(8192));
    },
    /not a database/,
  );
  assert.ok(existsSync(info.movedTo + '-wal'));
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('-wal') && !f.includes('corrupt')), []);
});

test('a foreign SQLite file (our name, someone else\'s schema) is moved aside', async (t) => {
  await expectRecovery(
    t,
    (file) => {
      const db = new Database(file);
      db.exec('CREATE TABLE messages (x TEXT); PRAGMA user_version = 1;');
      db.close();
    },
    /lacks/,
  );
});

test('a file from a newer schema version is moved aside, not misread', async (t) => {
  await expectRecovery(
    t,
    (file) => {
      const db = new Database(file);
      db.exec('CREATE TABLE t (x); PRAGMA user_version = 7;');
      db.close();
    },
    /schema version 7/,
  );
});

test('an empty file is a valid new outbox, not a corrupt one', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  mkdirSync(dirname(tmp.file), { recursive: true });
  writeFileSync(tmp.file, '');
  const { log } = captureLog();
  let called = false;
  const outbox = Outbox.open({ file: tmp.file, log, onCorrupt: () => (called = true) });
  assert.equal(called, false);
  assert.equal(outbox.stats().corruptRecoveries, 0);
  outbox.close();
  assert.deepEqual(readdirSync(dirname(tmp.file)).filter((f) => f.includes('corrupt')), []);
});

test('a place that cannot be written is not corruption: nothing is moved, the report says so, the outbox lives in memory', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  // A file where the data directory should be: no process, root included, can create anything under it.
  mkdirSync(dirname(dirname(tmp.file)), { recursive: true });
  writeFileSync(dirname(tmp.file), 'not a directory');
  const { log, lines } = captureLog();
  const reports: Info[] = [];
  const outbox = Outbox.open({ file: tmp.file, log, onCorrupt: (i) => reports.push(i) });
  try {
    assert.equal(reports.length, 1);
    assert.equal(reports[0]!.movedTo, undefined, 'nothing was moved');
    assert.match(reports[0]!.error, /ENOTDIR|EEXIST|not a directory|exists/i);
    assert.ok(!lines.some((l) => /moved it aside/.test(l.msg)), JSON.stringify(lines));
    assert.ok(lines.some((l) => l.level === 50 && /kept in memory|keeping the outbox in memory/.test(l.msg)));
    const m = await outbox.enqueue(reading(1));
    assert.deepEqual(outbox.peek(10).map((x) => x.id), [m.id], 'the in-memory outbox works');
  } finally {
    outbox.close();
  }
});
