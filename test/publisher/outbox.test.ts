import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { Outbox, idRuns } from '../../src/publisher/outbox.js';
import { captureLog, reading, tempDir } from './outbox-helpers.js';

/** Opens an outbox in a temp dir; `t.after` closes it and removes the dir. */
function setup(t: { after: (fn: () => void) => void }, opts: { maxMessages?: number; maxBytes?: number; commitWindowMs?: number; wireGraceMs?: number } = {}) {
  const tmp = tempDir();
  const { log, lines } = captureLog();
  const open = () => Outbox.open({ file: tmp.file, log, commitWindowMs: 5, ...opts });
  const box = { current: open() };
  t.after(() => {
    box.current.close();
    tmp.cleanup();
  });
  const reopen = () => {
    box.current.close();
    box.current = open();
    return box.current;
  };
  return { outbox: box.current, reopen, lines, file: tmp.file };
}

test('creates the parent directory and assigns ids in call order; peek is oldest first', async (t) => {
  const { outbox, file } = setup(t);
  assert.ok(existsSync(file));
  const done = await Promise.all(Array.from({ length: 50 }, (_, i) => outbox.enqueue(reading(i))));
  assert.deepEqual(done.map((m) => m.id), Array.from({ length: 50 }, (_, i) => i + 1));
  const all = outbox.peek(100);
  assert.deepEqual(all.map((m) => m.id), done.map((m) => m.id));
  assert.deepEqual(all.map((m) => m.ts), done.map((m) => m.ts));
  assert.deepEqual(outbox.peek(3).map((m) => m.id), [1, 2, 3]);
  assert.deepEqual(outbox.peek(3, 10).map((m) => m.id), [11, 12, 13]);
  assert.deepEqual(outbox.peek(5, 2, new Set([4, 5])).map((m) => m.id), [3, 6, 7, 8, 9]);
  assert.deepEqual(outbox.peek(10, 50), []);
});

test('peek only shows committed messages, and enqueue resolves only once another connection can read the row', async (t) => {
  const { outbox, file } = setup(t, { commitWindowMs: 30 });
  const p = outbox.enqueue(reading(1));
  assert.deepEqual(outbox.peek(10), [], 'nothing before the commit');
  const m = await p;
  const other = new Database(file, { readonly: true });
  try {
    assert.equal(other.prepare('SELECT count(*) FROM messages WHERE id = ?').pluck().get(m.id), 1);
    assert.equal(other.pragma('journal_mode', { simple: true }), 'wal');
  } finally {
    other.close();
  }
});

test('payload bytes, topic, qos, retain and ts round-trip exactly, also after reopen', async (t) => {
  const { outbox, reopen } = setup(t);
  const payload = Buffer.from([0, 255, 1, 128, 0, 0, 10, 13, 0xc3, 0x28]); // NULs and invalid UTF-8
  const sent = await outbox.enqueue({ topic: 'han/ünï/state', payload, qos: 2, retain: false, ts: 1_234_567_890_123 });
  await outbox.enqueue({ topic: 'han/x', payload: Buffer.alloc(0), qos: 0, retain: true, ts: 1 });
  for (const again of [false, true]) {
    const [a, b] = (again ? reopen() : outbox).peek(10);
    assert.ok(Buffer.isBuffer(a.payload));
    assert.deepEqual(a, { ...sent, payload });
    assert.deepEqual(b, { id: 2, topic: 'han/x', payload: Buffer.alloc(0), qos: 0, retain: true, ts: 1 });
  }
});

test('ack removes messages from peek and stats at once, and the delete persists through close', async (t) => {
  const { outbox, reopen } = setup(t);
  await Promise.all(Array.from({ length: 10 }, (_, i) => outbox.enqueue(reading(i, 'x'.repeat(10), 'abcde'))));
  assert.deepEqual(outbox.stats().depth, 10);
  outbox.ack([1, 2, 5, 99, 2]); // 99 is unknown and 2 repeats: both are ignored
  assert.deepEqual(outbox.peek(4).map((m) => m.id), [3, 4, 6, 7]);
  assert.deepEqual({ ...outbox.stats(), commits: 0 }, { depth: 7, bytes: 7 * 15, oldestTs: reading(2).ts, newestId: 10, dropped: 0, corruptRecoveries: 0, commits: 0, pending: 0 });
  outbox.ack([10]);
  assert.equal(outbox.stats().newestId, 9);
  const again = reopen();
  assert.deepEqual(again.peek(100).map((m) => m.id), [3, 4, 6, 7, 8, 9]);
  assert.equal(again.stats().bytes, 6 * 15);
});

test('acks are coalesced into the next commit rather than one transaction each', async (t) => {
  const { outbox } = setup(t);
  await Promise.all(Array.from({ length: 100 }, (_, i) => outbox.enqueue(reading(i))));
  const before = outbox.stats().commits;
  for (let id = 1; id <= 100; id++) outbox.ack([id]);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(outbox.stats().commits - before, 1);
  assert.equal(outbox.stats().depth, 0);
});

test('an ack that arrives before the commit keeps the message from being written', async (t) => {
  const { outbox, reopen } = setup(t);
  const p1 = outbox.enqueue(reading(1));
  const p2 = outbox.enqueue(reading(2));
  outbox.ack([1]);
  assert.equal((await p1).id, 1, 'still resolves');
  await p2;
  assert.deepEqual(outbox.peek(10).map((m) => m.id), [2]);
  assert.equal(outbox.stats().depth, 1);
  assert.deepEqual(reopen().peek(10).map((m) => m.id), [2]);
});

test('a batch acknowledged whole before its commit needs no transaction, and its ids stay used after a reopen', async (t) => {
  const { outbox, reopen } = setup(t);
  await outbox.enqueue(reading(0));
  const commits = outbox.stats().commits;
  const rows: number[] = [];
  const stored = Array.from({ length: 20 }, (_, i) => new Promise<void>((resolve, reject) => rows.push(outbox.add(reading(1 + i), 'soon', (err) => (err ? reject(err) : resolve())).id)));
  outbox.ack(rows);
  await Promise.all(stored);
  assert.equal(outbox.stats().commits, commits, 'no transaction ran for them');
  assert.deepEqual(outbox.peek(100).map((m) => m.id), [1]);
  assert.equal(outbox.stats().depth, 1);
  const again = reopen();
  assert.deepEqual(again.peek(100).map((m) => m.id), [1]);
  assert.equal((await again.enqueue(reading(30))).id, 22, 'the ids 2-21 handed out before are not handed out again');
});

test('once everything waiting for a commit is acknowledged it is let go: the commit that comes writes nothing', async (t) => {
  const { outbox } = setup(t, { commitWindowMs: 5, wireGraceMs: 1_000 });
  await outbox.enqueue(reading(0));
  const commits = outbox.stats().commits;
  const ids = Array.from({ length: 3 }, (_, i) => outbox.add(reading(1 + i), 'wire', () => {}).id);
  outbox.ack(ids.slice(0, 2));
  assert.equal(outbox.stats().pending, 3, 'held while one of them still waits');
  const late = outbox.add(reading(9), 'wire', () => {}).id;
  outbox.ack([ids[2]!, late]);
  assert.equal(outbox.stats().pending, 0, 'let go at once');
  // A reading enqueued now commits alone: the acknowledged ones were dropped, not carried along.
  await outbox.enqueue(reading(10));
  assert.equal(outbox.stats().commits, commits + 1);
  assert.deepEqual(outbox.peek(10).map((m) => m.id), [1, 6]);
  assert.equal(outbox.stats().depth, 2);
});

test('add calls back once per message with the commit error, and a throwing callback does not keep the others from hearing', async (t) => {
  const { outbox, lines } = setup(t);
  const heard: (string | null)[] = [];
  outbox.add(reading(1), 'soon', () => {
    heard.push('first');
    throw new Error('caller bug');
  });
  outbox.add(reading(2), 'soon', (err) => void heard.push(err ? err.message : 'second'));
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(heard, ['first', 'second']);
  assert.ok(lines.some((l) => l.level === 50 && /caller of message 1 failed/.test(l.msg)));
  assert.deepEqual(outbox.peek(10).map((m) => m.id), [1, 2]);
});

test('a message on the wire waits its grace for a PUBACK: acknowledged, it is settled at once and never written; a sooner commit takes it along', async (t) => {
  const { outbox, reopen } = setup(t, { commitWindowMs: 5, wireGraceMs: 1_000 });
  await outbox.enqueue(reading(0));
  const commits = outbox.stats().commits;
  let settled = false;
  const acked = outbox.add(reading(1), 'wire', (err) => void (settled = !err));
  await new Promise((r) => setTimeout(r, 50)); // ten commit windows, far from the grace
  assert.equal(outbox.stats().commits, commits, 'not committed within the commit window');
  assert.equal(settled, false);
  outbox.ack([acked.id]);
  assert.equal(settled, true, 'the PUBACK settles it');

  const kept = outbox.add(reading(2), 'wire', () => {});
  await outbox.enqueue(reading(3));
  assert.equal(outbox.stats().commits, commits + 1);
  assert.deepEqual(outbox.peek(10).map((m) => m.id), [1, 3, 4], 'the unacknowledged one rode the commit of the next reading');
  assert.equal(kept.id, 3);
  assert.deepEqual(reopen().peek(10).map((m) => m.id), [1, 3, 4]);
});

test('stats: empty, then depth, bytes, oldest ts and newest id', async (t) => {
  const { outbox } = setup(t);
  assert.deepEqual({ ...outbox.stats(), commits: 0 }, { depth: 0, bytes: 0, oldestTs: null, newestId: null, dropped: 0, corruptRecoveries: 0, commits: 0, pending: 0 });
  await outbox.enqueue({ topic: 'ab', payload: Buffer.from('xyz'), qos: 1, retain: false, ts: 500 });
  await outbox.enqueue({ topic: 'é', payload: Buffer.alloc(10), qos: 1, retain: false, ts: 700 });
  const s = outbox.stats();
  assert.deepEqual([s.depth, s.bytes, s.oldestTs, s.newestId], [2, 5 + 12, 500, 2]);
});

test('ids are never reused, even after the outbox was emptied and reopened', async (t) => {
  const { outbox, reopen } = setup(t);
  const ids = (await Promise.all([1, 2, 3].map((i) => outbox.enqueue(reading(i))))).map((m) => m.id);
  outbox.ack(ids);
  const again = reopen();
  assert.equal((await again.enqueue(reading(4))).id, 4);
});

test('group commit: thousands of concurrent enqueues share a few transactions, at most 5000 each', async (t) => {
  const { outbox } = setup(t, { commitWindowMs: 20 });
  const one = await Promise.all(Array.from({ length: 1000 }, (_, i) => outbox.enqueue(reading(i))));
  assert.equal(outbox.stats().commits, 1);
  const many = await Promise.all(Array.from({ length: 12_000 }, (_, i) => outbox.enqueue(reading(i))));
  assert.equal(outbox.stats().commits, 1 + 3);
  assert.equal(outbox.stats().depth, 13_000);
  assert.equal(many.at(-1)!.id, one.length + many.length);
});

test('a quiet outbox commits at once; readings that arrive together share one commit', async (t) => {
  // How long a commit waits is bench material (bench/outbox.ts); here, what is committed with what.
  const { outbox } = setup(t, { commitWindowMs: 20 });
  await outbox.enqueue(reading(1));
  assert.equal(outbox.stats().commits, 1, 'a lone reading is its own commit');
  const commits = outbox.stats().commits;
  await Promise.all(Array.from({ length: 50 }, (_, i) => outbox.enqueue(reading(2 + i))));
  assert.equal(outbox.stats().commits, commits + 1, 'one transaction for readings enqueued in one turn');
});

test('bound by count drops the oldest, counts them exactly and warns once', async (t) => {
  const { outbox, lines } = setup(t, { maxMessages: 10 });
  for (let i = 0; i < 3; i++) await Promise.all(Array.from({ length: 7 }, (_, j) => outbox.enqueue(reading(i * 7 + j))));
  assert.deepEqual(outbox.peek(100).map((m) => m.id), [12, 13, 14, 15, 16, 17, 18, 19, 20, 21]);
  assert.equal(outbox.stats().depth, 10);
  assert.equal(outbox.stats().dropped, 11);
  // One batch bigger than the bound drops its own oldest too.
  const big = await Promise.all(Array.from({ length: 25 }, (_, j) => outbox.enqueue(reading(j))));
  assert.equal(big.length, 25, 'every enqueue still resolves');
  assert.deepEqual(outbox.peek(100).map((m) => m.id), Array.from({ length: 10 }, (_, i) => 37 + i));
  assert.equal(outbox.stats().dropped, 11 + 10 + 15);
  const warns = lines.filter((l) => l.level === 40 && /outbox full/.test(l.msg));
  assert.equal(warns.length, 1, 'rate-limited to one warning per 10 s');
  assert.equal(warns[0].dropped, 4, 'the first warning counts the first drop');
  outbox.close();
  const all = lines.filter((l) => l.level === 40 && /outbox full/.test(l.msg));
  assert.deepEqual(all.map((l) => l.dropped), [4, 32], 'close reports the drops the rate limit held back');
});

test('bound by bytes drops the oldest until topic + payload bytes fit', async (t) => {
  // Each message: 5 topic bytes + 10 payload bytes = 15.
  const { outbox } = setup(t, { maxBytes: 15 * 4 + 7 });
  const msg = (i: number) => reading(i, 'p'.repeat(10), 'topic');
  for (let i = 0; i < 6; i++) await outbox.enqueue(msg(i));
  assert.deepEqual(outbox.peek(100).map((m) => m.id), [3, 4, 5, 6]);
  assert.equal(outbox.stats().bytes, 60);
  assert.equal(outbox.stats().dropped, 2);
  // A bigger message makes room for itself by dropping as many as it needs.
  await outbox.enqueue(reading(7, 'q'.repeat(40), 'topic'));
  assert.deepEqual(outbox.peek(100).map((m) => m.id), [6, 7]);
  assert.equal(outbox.stats().dropped, 5);
  // One that can never fit is dropped itself, and the rest go with it.
  await outbox.enqueue(reading(8, 'r'.repeat(100), 'topic'));
  assert.deepEqual(outbox.peek(100), []);
  assert.deepEqual([outbox.stats().dropped, outbox.stats().bytes], [8, 0]);
});

test('acked messages free room before the bound drops anything', async (t) => {
  const { outbox } = setup(t, { maxMessages: 5 });
  const ids = (await Promise.all(Array.from({ length: 5 }, (_, i) => outbox.enqueue(reading(i))))).map((m) => m.id);
  outbox.ack(ids.slice(0, 2));
  await Promise.all([outbox.enqueue(reading(5)), outbox.enqueue(reading(6))]);
  assert.equal(outbox.stats().dropped, 0);
  assert.deepEqual(outbox.peek(10).map((m) => m.id), [3, 4, 5, 6, 7]);
});

test('a PUBACK for a row the bounds dropped changes nothing; one for a kept row frees exactly its bytes, however old', async (t) => {
  // Each message: 5 topic bytes + 10 payload bytes = 15.
  const { outbox } = setup(t, { maxMessages: 4 });
  const msg = (i: number) => reading(i, 'p'.repeat(10), 'topic');
  const first = await Promise.all(Array.from({ length: 4 }, (_, i) => outbox.enqueue(msg(i))));
  // Two more drop the oldest two (ids 1 and 2) in their commit.
  await Promise.all([outbox.enqueue(msg(4)), outbox.enqueue(msg(5))]);
  assert.deepEqual([outbox.stats().depth, outbox.stats().bytes, outbox.stats().dropped], [4, 60, 2]);
  outbox.ack([first[0]!.id, first[1]!.id]);
  assert.deepEqual([outbox.stats().depth, outbox.stats().bytes], [4, 60], 'acks for dropped rows are ignored');
  outbox.ack([first[2]!.id]);
  assert.deepEqual([outbox.stats().depth, outbox.stats().bytes], [3, 45]);
});

test('PUBACKs for the newest rows and for rows committed long before (past the sizes kept in memory) free exactly their bytes', async (t) => {
  const { outbox } = setup(t);
  const msg = (i: number) => reading(i, 'p'.repeat(10), 'topic');
  const rows = await Promise.all(Array.from({ length: 20_000 }, (_, i) => outbox.enqueue(msg(i))));
  assert.deepEqual([outbox.stats().depth, outbox.stats().bytes], [20_000, 300_000]);
  outbox.ack([rows[0]!.id, rows[rows.length - 1]!.id]);
  assert.deepEqual([outbox.stats().depth, outbox.stats().bytes], [19_998, 299_970]);
  outbox.ack([rows[0]!.id]);
  assert.deepEqual([outbox.stats().depth, outbox.stats().bytes], [19_998, 299_970], 'a repeated PUBACK counts once');
});

test('dropped survives a reopen and can be reset', async (t) => {
  const { outbox, reopen } = setup(t, { maxMessages: 2 });
  await Promise.all(Array.from({ length: 5 }, (_, i) => outbox.enqueue(reading(i))));
  assert.equal(outbox.stats().dropped, 3);
  const again = reopen();
  assert.equal(again.stats().dropped, 3);
  assert.equal(again.stats().depth, 2);
  again.resetDropped();
  assert.equal(reopen().stats().dropped, 0);
});

test('close flushes pending enqueues; enqueue after close rejects and ack is ignored', async (t) => {
  const { outbox, reopen } = setup(t, { commitWindowMs: 50 });
  const p = outbox.enqueue(reading(1));
  outbox.close();
  assert.equal((await p).id, 1);
  await assert.rejects(outbox.enqueue(reading(2)), /closed/);
  outbox.ack([1]);
  assert.deepEqual(reopen().peek(10).map((m) => m.id), [1]);
});

test('close commits a burst bigger than one transaction', async (t) => {
  const { outbox, reopen } = setup(t, { commitWindowMs: 50 });
  const all = Promise.all(Array.from({ length: 12_345 }, (_, i) => outbox.enqueue(reading(i))));
  outbox.close();
  assert.equal((await all).length, 12_345);
  assert.equal(reopen().stats().depth, 12_345);
});

test('invalid options throw; the window may not exceed 50 ms, the grace of a message on the wire 1,000 ms', () => {
  const { log } = captureLog();
  const tmp = tempDir();
  try {
    assert.throws(() => Outbox.open({ file: tmp.file, log, commitWindowMs: 51 }), RangeError);
    assert.throws(() => Outbox.open({ file: tmp.file, log, wireGraceMs: 1001 }), /wireGraceMs must be 0–1000, not 1001/);
    assert.throws(() => Outbox.open({ file: tmp.file, log, wireGraceMs: -1 }), RangeError);
    Outbox.open({ file: tmp.file, log, wireGraceMs: 1000 }).close();
    assert.throws(() => Outbox.open({ file: tmp.file, log, maxMessages: 0 }), RangeError);
    assert.throws(() => Outbox.open({ file: tmp.file, log, maxBytes: -1 }), RangeError);
  } finally {
    tmp.cleanup();
  }
});

test('idRuns: acknowledged ids as runs of consecutive ids, whatever their order and repeats', () => {
  assert.deepEqual(idRuns([]), []);
  assert.deepEqual(idRuns([5]), [[5, 5]]);
  assert.deepEqual(idRuns([3, 1, 2, 7, 9, 8, 8, 12]), [[1, 3], [7, 9], [12, 12]]);
});

test('acks deleted by runs leave every message not acknowledged in place', async (t) => {
  const { outbox, reopen } = setup(t);
  const rows = await Promise.all(Array.from({ length: 50 }, (_, i) => outbox.enqueue(reading(i))));
  const acked = rows.filter((_, i) => i % 7 !== 3 && i !== 20).map((m) => m.id);
  outbox.ack(acked.reverse());
  const kept = rows.filter((_, i) => i % 7 === 3 || i === 20).map((m) => m.id);
  assert.deepEqual(reopen().peek(100).map((m) => m.id), kept);
});
