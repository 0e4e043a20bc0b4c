/** The history store and its retention: group commit, queries, totals that survive reopening, bounds in batches. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryStore } from '../../src/history/store.js';
import { Retention } from '../../src/history/retention.js';
import { silentLogger } from '../../src/core/log.js';
import { topicMatchSource } from '../../src/history/reader.js';
import { topicMatches } from '../../src/mqtt/topic-match.js';

const file = () => join(mkdtempSync(join(tmpdir(), 'hanode-history-')), 'history.sqlite');
const rec = (topic: string, payload: string | Buffer, ts: number) => ({ topic, payload: Buffer.from(payload), ts });

test('appends share commits, keep their bytes, and come back by id and by filter', async () => {
  const store = HistoryStore.open({ file: file(), log: silentLogger });
  try {
    const bin = Buffer.from([0, 255, 10]);
    const all = await Promise.all(Array.from({ length: 1_000 }, (_, i) => store.append(rec(`han/n${i % 3}/t`, i === 0 ? bin : `{"v":${i}}`, 1_000 + i))));
    assert.deepEqual(all.map((r) => r.id), Array.from({ length: 1_000 }, (_, i) => i + 1));
    assert.ok(store.stats().commits < 20, `group commit: ${store.stats().commits} commits for 1000 appends`);
    assert.deepEqual(store.get(1)!.payload, bin);
    assert.equal(store.find({ topic: 'han/n1/t' }, 10_000, 'asc').length, 333);
    assert.equal(store.find({ topic: 'han/+/t' }, 10_000, 'asc').length, 1_000);
    assert.equal(store.find({ topic: 'han/#' }, 10_000, 'asc').length, 1_000);
    assert.equal(store.find({ topic: 'han/+' }, 10_000, 'asc').length, 0);
    assert.deepEqual(store.find({ topic: 'han/n0/t', from: 1_003, to: 1_009 }, 10, 'asc').map((r) => r.ts), [1_003, 1_006, 1_009]);
    assert.deepEqual(store.find({ field: 'v', op: 'gte', value: '998' }, 10, 'desc').map((r) => r.ts), [1_999, 1_998]);
    assert.equal(store.stats().rows, 1_000);
  } finally {
    await store.close();
  }
});

test('totals survive reopening; deletes keep them right', async () => {
  const f = file();
  let store = HistoryStore.open({ file: f, log: silentLogger });
  for (let i = 0; i < 10; i++) await store.append(rec('a/b', 'xyz', i));
  assert.equal(await store.remove(1), true);
  assert.equal(await store.remove(1), false);
  assert.equal(await store.removeMatching({ before: 5 }, 100), 4);
  await store.close();
  store = HistoryStore.open({ file: f, log: silentLogger });
  assert.deepEqual([store.stats().rows, store.stats().bytes], [5, 5 * 6]);
  await store.close();
});

test('retention deletes by age, then the oldest past max_rows and max_bytes, a batch at a time', async () => {
  const store = HistoryStore.open({ file: file(), log: silentLogger });
  try {
    const now = 10_000_000;
    for (let i = 0; i < 100; i++) await store.append(rec('x/y', '0123456789', now - 100_000 + i * 1_000)); // 13 bytes each
    const age = new Retention({ store, log: silentLogger, maxAgeMs: 50_000, maxRows: 1e9, maxBytes: 1e12, batch: 7, now: () => now });
    await age.run();
    assert.equal(store.stats().rows, 50, 'ts >= now - 50 s stays');
    assert.ok(store.find({}, 1, 'asc')[0].ts >= now - 50_000);
    const rows = new Retention({ store, log: silentLogger, maxAgeMs: 1e12, maxRows: 20, maxBytes: 1e12, batch: 7, now: () => now });
    await rows.run();
    assert.equal(store.stats().rows, 20);
    assert.equal(store.find({}, 1, 'asc')[0].ts, now - 100_000 + 80 * 1_000, 'the oldest went first');
    const bytes = new Retention({ store, log: silentLogger, maxAgeMs: 1e12, maxRows: 1e9, maxBytes: 13 * 5, batch: 7, now: () => now });
    await bytes.run();
    assert.equal(store.stats().bytes, 13 * 5);
    assert.equal(age.deleted + rows.deleted + bytes.deleted, 95);
  } finally {
    await store.close();
  }
});

test('queries on the query thread give what the store gives on its own connection', async () => {
  const store = HistoryStore.open({ file: file(), log: silentLogger });
  try {
    const bin = Buffer.from([0xc3, 0x28, 1]);
    for (let i = 0; i < 50; i++) await store.append(rec(`q/n${i % 5}/t`, i === 7 ? bin : `{"v":${i},"s":"x${i}"}`, 5_000 + i));
    const cases = [
      [{ topic: 'q/+/t' }, 100, 'asc'],
      [{ topic: 'q/n3/t', from: 5_010 }, 3, 'desc'],
      [{ topic: 'q/#', field: 'v', op: 'lt', value: '9' }, 100, 'asc'],
      [{ field: 's', op: 'contains', value: '4' }, 100, 'desc'],
    ] as const;
    for (const [filter, limit, order] of cases) {
      const threaded = await store.query(filter, limit, order);
      assert.deepEqual(threaded, store.find(filter, limit, order), JSON.stringify(filter));
      assert.ok(threaded.length > 0, JSON.stringify(filter));
    }
    const blob = (await store.query({ topic: 'q/n2/t', to: 5_007, from: 5_007 }, 1, 'asc'))[0];
    assert.ok(Buffer.isBuffer(blob.payload));
    assert.deepEqual(blob.payload, bin);
  } finally {
    await store.close();
  }
});

test("the query thread's topic matching is the link's", () => {
  const workerMatch = new Function(`${topicMatchSource()}; return topicMatches;`)() as typeof topicMatches;
  const filters = ['#', '+', 'a/#', 'a/+', 'a/+/c', '+/b/#', 'a/b', '$SYS/#', '+/+', 'a/b/#'];
  const topics = ['a', 'a/b', 'a/b/c', 'a/x/c', 'b/b/c', '$SYS/x', 'a/', '/a', 'a/b/c/d'];
  for (const f of filters) for (const t of topics) assert.equal(workerMatch(f, t), topicMatches(f, t), `${f} vs ${t}`);
});

test('a delete limited to an id range leaves matches outside it', async () => {
  const store = HistoryStore.open({ file: file(), log: silentLogger });
  try {
    for (let i = 0; i < 30; i++) await store.append(rec('r/s', `{"k":${i % 2}}`, i));
    assert.deepEqual(store.idRange(), [1, 30]);
    assert.equal(await store.removeMatching({ field: 'k', op: 'eq', value: '1', ids: [1, 10] }, 100), 5);
    assert.equal(await store.removeMatching({ field: 'k', op: 'eq', value: '1', ids: [11, 30] }, 3), 3);
    assert.equal(store.find({ field: 'k', op: 'eq', value: '1' }, 100, 'asc').length, 7);
    assert.equal(store.stats().rows, 22);
  } finally {
    await store.close();
  }
});

test('an id is never given twice: after the newest record is deleted, the next one gets a new id', async (t) => {
  const { HistoryStore } = await import('../../src/history/store.js');
  const { mkdtempSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const { silentLogger } = await import('../../src/core/log.js');
  const store = HistoryStore.open({ file: join(mkdtempSync(join(tmpdir(), 'hanode-hist-id-')), 'history.sqlite'), log: silentLogger });
  t.after(() => store.close());
  const first = await store.append({ topic: 'a/b', payload: Buffer.from('1'), ts: 1 });
  assert.equal(await store.remove(first.id), true);
  const second = await store.append({ topic: 'a/b', payload: Buffer.from('2'), ts: 2 });
  assert.notEqual(second.id, first.id);
  assert.equal(store.get(first.id), undefined);
});
