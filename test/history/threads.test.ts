/** SQLite on threads of its own: the thread's protocol, its fallback, and async group commit. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteThread } from '../../src/history/sqlite-thread.js';
import { GroupCommit } from '../../src/history/group-commit.js';
import { HistoryStore } from '../../src/history/store.js';
import { silentLogger } from '../../src/core/log.js';

const file = () => join(mkdtempSync(join(tmpdir(), 'hanode-thread-')), 'db.sqlite');

const CODE = `
db.exec('CREATE TABLE IF NOT EXISTS t (v INTEGER)');
const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
function handle(m) {
  if (m.op === 'crash') { setTimeout(() => { throw new Error('boom'); }); return { result: 'crashing' }; }
  if (m.op === 'fail') throw new Error('no such thing: ' + m.what);
  if (m.op === 'insert') { insert.run(m.v); return { result: db.prepare('SELECT count(*) AS n FROM t').get().n }; }
  return { result: workerData.extra.hello };
}
`;

test('a thread answers requests in order, passes errors back, and after a crash runs the same code on the fallback connection', async () => {
  const path = file();
  const fallback = new Database(path);
  let failures = 0;
  const thread = new SqliteThread({ name: 'test', file: path, code: CODE, extra: { hello: 'hi' }, log: silentLogger, fallback, onFailure: () => failures++ });
  thread.start();
  try {
    assert.equal(await thread.call({ op: 'hello' }), 'hi');
    assert.deepEqual(await Promise.all([1, 2, 3].map((v) => thread.call({ op: 'insert', v }))), [1, 2, 3]);
    await assert.rejects(thread.call({ op: 'fail', what: 'x' }), /no such thing: x/);
    assert.equal(await thread.call({ op: 'crash' }), 'crashing');
    for (let i = 0; i < 100 && thread.running; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(thread.running, false, 'the crash ended the thread');
    assert.equal(failures, 1);
    // The same code now runs here, on the fallback connection, over the same file.
    assert.equal(await thread.call({ op: 'insert', v: 4 }), 4);
    assert.equal(await thread.call({ op: 'hello' }), 'hi');
  } finally {
    await thread.stop();
    fallback.close();
  }
});

test('without a fallback, requests to a stopped thread fail with a clear error', async () => {
  const thread = new SqliteThread({ name: 'test', file: file(), code: CODE, extra: {}, log: silentLogger });
  thread.start();
  assert.equal(await thread.call({ op: 'insert', v: 1 }), 1);
  await thread.stop();
  await assert.rejects(thread.call({ op: 'insert', v: 2 }), /the history test thread is not running/);
});

test('async group commit: what arrives during a commit goes into the next one, in order, and close waits for both', async () => {
  const batches: number[][] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const commit = new GroupCommit<number, number>({
    windowMs: 5,
    maxBatch: 100,
    log: silentLogger,
    what: 'test',
    write: async (batch) => {
      batches.push(batch);
      if (batches.length === 1) await gate;
      return batch.map((v) => v * 10);
    },
  });
  const first = commit.add(1);
  await new Promise((r) => setImmediate(r));
  assert.equal(batches.length, 1, 'the first commit started');
  const later = [2, 3, 4].map((v) => commit.add(v));
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(batches.length, 1, 'no second commit while the first is under way');
  release();
  assert.equal(await first, 10);
  assert.deepEqual(await Promise.all(later), [20, 30, 40]);
  assert.deepEqual(batches, [[1], [2, 3, 4]]);
  commit.push(5);
  await commit.close();
  assert.deepEqual(batches.at(-1), [5]);
  assert.equal(commit.pending, 0);
});

test('a failed async commit rejects its items, is counted, and later commits go on', async () => {
  let n = 0;
  const commit = new GroupCommit<number, number>({
    windowMs: 1,
    maxBatch: 10,
    log: silentLogger,
    what: 'test',
    write: async (batch) => {
      if (n++ === 0) throw new Error('disk said no');
      return batch;
    },
  });
  await assert.rejects(commit.add(1), /disk said no/);
  assert.equal(commit.failed, 1);
  assert.equal(await commit.add(2), 2);
  await commit.close();
});

test('the store: records written on the writer thread are read back with their bytes; deletes keep totals right', async () => {
  const path = file();
  const store = HistoryStore.open({ file: path, log: silentLogger });
  const bin = Buffer.from([0xff, 0x00, 0xfe]);
  const pooled = Buffer.from('xx{"v":1}yy').subarray(2, 9);
  const stored = await Promise.all([store.append({ topic: 'a/b', payload: bin, ts: 1 }), store.append({ topic: 'a/c', payload: pooled, ts: 2 })]);
  assert.deepEqual(stored.map((r) => r.id), [1, 2]);
  assert.deepEqual(store.get(1)!.payload, bin);
  assert.equal(store.get(2)!.payload, '{"v":1}');
  assert.deepEqual((await store.query({ topic: 'a/+' }, 10, 'asc')).map((r) => [r.topic, r.payload]), [['a/b', bin], ['a/c', '{"v":1}']]);
  assert.equal(store.stats().bytes, 3 + 3 + 3 + 7);
  assert.equal(await store.remove(1), true);
  assert.equal(store.stats().rows, 1);
  assert.equal(store.stats().bytes, 3 + 7);
  await store.close();
  const again = HistoryStore.open({ file: path, log: silentLogger });
  assert.deepEqual(again.stats().rows, 1);
  assert.deepEqual(again.stats().bytes, 10);
  await again.close();
});
