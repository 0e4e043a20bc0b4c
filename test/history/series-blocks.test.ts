/**
 * Series blocks (src/history/series-blocks.ts): a D2 answered from blocks reads exactly as the
 * same query answered row by row, however the records were written, deleted or inserted into the
 * past, and whichever thread answers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { HistoryStore } from '../../src/history/store.js';
import { Reader } from '../../src/history/reader.js';
import type { RecordFilter } from '../../src/history/query.js';
import { recordsJson } from '../../src/http/record-json.js';
import { silentLogger } from '../../src/core/log.js';

const file = () => join(mkdtempSync(join(tmpdir(), 'hanode-blocks-')), 'history.sqlite');
const rec = (topic: string, payload: string | Buffer, ts: number) => ({ topic, payload: Buffer.from(payload), ts });
const A = 'han/kitchen/climate';
const B = 'han/hall/motion';

/** A deterministic mix: runs of records in the same ms, text that is not JSON, bytes that are not UTF-8, another topic between. */
function mix(n: number, t0: number): { topic: string; payload: string | Buffer; ts: number }[] {
  const out = [];
  let ts = t0;
  for (let i = 0; i < n; i++) {
    if (i % 7 !== 3) ts += 1 + (i % 5 === 0 ? 1_000 : 0);
    const payload = i % 31 === 5 ? Buffer.from([0xc3, 0x28, i & 0xff]) : i % 17 === 2 ? `plain ${i} "quoted" é` : i % 13 === 4 ? `  {"v":${i}}  ` : `{"temperature":${(i / 10).toFixed(1)},"n":${i}}`;
    out.push({ topic: i % 4 === 1 ? B : A, payload, ts });
  }
  return out;
}

const text = async (store: HistoryStore, f: RecordFilter, limit: number, order: 'asc' | 'desc') => {
  const { chunks, count } = await store.recordsText(f, limit, order);
  const body = Buffer.concat(chunks).toString('utf8');
  assert.equal(JSON.parse(body).records.length, count, `count of ${JSON.stringify(f)}`);
  return body;
};

/** Every query of the list, from blocks, against the rows the store reads on its own connection. */
async function sameAsRows(store: HistoryStore, t0: number, t1: number, what: string) {
  const mid = Math.round((t0 + t1) / 2);
  const cases: [RecordFilter, number, 'asc' | 'desc'][] = [];
  for (const order of ['asc', 'desc'] as const) {
    for (const limit of [1, 3, 9, 40, 10_000]) {
      cases.push([{ topic: A }, limit, order]);
      cases.push([{ topic: A, from: mid }, limit, order]);
      cases.push([{ topic: A, to: mid }, limit, order]);
      cases.push([{ topic: A, from: t0 + 1_003, to: mid + 17 }, limit, order]);
    }
    cases.push([{ topic: B, from: t0, to: t1 }, 10_000, order]);
    cases.push([{ topic: 'han/+/climate', from: mid }, 50, order]);
    cases.push([{ topic: A, field: 'n', op: 'gt', value: '20' }, 30, order]);
    cases.push([{ topic: 'han/nowhere' }, 10, order]);
  }
  for (const [f, limit, order] of cases) {
    const expected = recordsJson(store.find(f, limit, order));
    assert.equal(await text(store, f, limit, order), expected, `${what}: ${JSON.stringify(f)} limit ${limit} ${order}`);
  }
}

test('D2 from series blocks reads as row by row, through inserts into the past, deletes, D6 and retention', async () => {
  const t0 = 1_700_000_000_000;
  const store = HistoryStore.open({ file: file(), log: silentLogger, blockRows: 8 });
  try {
    const records = mix(400, t0);
    for (const r of records) await store.append(rec(r.topic, r.payload, r.ts));
    const t1 = records.at(-1)!.ts;
    await store.buildBlocks();
    const built = store.blockStats();
    assert.ok(built.blocks >= 30, `blocks: ${JSON.stringify(built)}`);
    await sameAsRows(store, t0, t1, 'built');

    // A record into the past, inside a block's range: that block goes, the rest stay.
    const inside = records[120].ts;
    await store.append(rec(A, '{"late":true}', inside));
    assert.equal(store.blockStats().blocks, built.blocks - 1);
    await sameAsRows(store, t0, t1, 'after an insert into the past');

    // D5: one record out of the middle.
    const victim = store.find({ topic: A, from: records[250].ts }, 1, 'asc')[0];
    assert.ok(await store.remove(victim.id));
    assert.equal(store.blockStats().blocks, built.blocks - 2);
    await sameAsRows(store, t0, t1, 'after a D5');

    // D6 with a condition, and retention's oldest-first delete.
    await store.removeMatching({ topic: A, field: 'n', op: 'eq', value: '300' }, 100);
    await store.removeOldest(37);
    await sameAsRows(store, t0, t1, 'after D6 and retention');

    // New records: the ones settled get blocks again, and the answers stay the same.
    const later = mix(200, t1 + 10);
    for (const r of later) await store.append(rec(r.topic, r.payload, r.ts));
    await store.buildBlocks();
    assert.ok(store.blockStats().blocks > built.blocks - 5);
    await sameAsRows(store, t0, later.at(-1)!.ts, 'after more records');
  } finally {
    await store.close();
  }
});

test('blocks are written by themselves as records arrive, and never hold the newest ms', async () => {
  const store = HistoryStore.open({ file: file(), log: silentLogger, blockRows: 16 });
  try {
    for (let i = 0; i < 100; i++) await store.append(rec(A, `{"n":${i}}`, 1_000 + Math.floor(i / 2)));
    for (let i = 0; i < 200 && store.blockStats().rows < 64; i++) await new Promise((r) => setTimeout(r, 10));
    const { blocks, rows } = store.blockStats();
    assert.ok(blocks >= 4 && rows >= 64 && rows < 100, `blocks ${blocks}, rows ${rows}`);
    // Two records per ms: a block never splits one.
    assert.equal(rows % 2, 0);
    await sameAsRows(store, 1_000, 1_050, 'written as records arrived');
  } finally {
    await store.close();
  }
});

test('a large answer crosses in several chunks and reads the same', async () => {
  const store = HistoryStore.open({ file: file(), log: silentLogger });
  try {
    const pad = 'x'.repeat(300);
    const rows = Array.from({ length: 16_000 }, (_, i) => ({ topic: A, payload: Buffer.from(`{"n":${i},"pad":"${pad}"}`), ts: 10_000 + i }));
    await Promise.all(rows.map((r) => store.append(r)));
    await store.buildBlocks();
    assert.ok(store.blockStats().blocks >= 15);
    for (const order of ['asc', 'desc'] as const) {
      const { chunks, count } = await store.recordsText({ topic: A, from: 10_000 }, 20_000, order);
      assert.ok(chunks.length > 1, 'more than 4 MiB comes in chunks');
      assert.equal(count, 16_000);
      assert.equal(Buffer.concat(chunks).toString('utf8'), recordsJson(store.find({ topic: A, from: 10_000 }, 20_000, order)));
    }
  } finally {
    await store.close();
  }
});

test('a store from before series blocks gets them, and its records answer the same', async () => {
  const path = file();
  const old = new Database(path);
  old.exec(`
    CREATE TABLE records (id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, payload BLOB NOT NULL, ts INTEGER NOT NULL);
    CREATE INDEX records_topic_ts ON records (topic, ts);
    CREATE INDEX records_ts ON records (ts);
    CREATE TABLE totals (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
    INSERT INTO totals VALUES ('rows', 0), ('bytes', 0);
    PRAGMA user_version = 1;`);
  const insert = old.prepare('INSERT INTO records (topic, payload, ts) VALUES (?, ?, ?)');
  for (let i = 0; i < 3_000; i++) insert.run(A, `{"n":${i}}`, 50_000 + i);
  old.prepare("UPDATE totals SET value = 3000 WHERE key = 'rows'").run();
  old.close();
  const store = HistoryStore.open({ file: path, log: silentLogger });
  try {
    for (let i = 0; i < 300 && store.blockStats().blocks < 2; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(store.blockStats().blocks, 2, 'the 3,000 old records fill two blocks of 1,024 without waiting for new ones');
    await sameAsRows(store, 50_000, 53_000, 'migrated');
    assert.equal(store.stats().rows, 3_000);
  } finally {
    await store.close();
  }
});

test('without its thread, the query code answers on the connection it falls back to, the same', async () => {
  const path = file();
  const store = HistoryStore.open({ file: path, log: silentLogger, blockRows: 8 });
  const local = new Database(path);
  try {
    for (const r of mix(120, 1_000)) await store.append(rec(r.topic, r.payload, r.ts));
    await store.buildBlocks();
    assert.ok(store.blockStats().blocks > 5);
    const reader = new Reader({ file: path, log: silentLogger, fallback: local });
    assert.equal(reader.running, false);
    for (const desc of [false, true]) {
      const q = { op: 'series', topic: A, lo: 3_000, hi: 30_000, limit: 25, desc } as const;
      const here = Buffer.concat((await reader.text(q)).chunks).toString();
      const there = Buffer.concat((await store.recordsText({ topic: A, from: 3_000, to: 30_000 }, 25, desc ? 'desc' : 'asc')).chunks).toString();
      assert.equal(here, there);
      assert.equal(JSON.parse(here).records.length, 25);
    }
  } finally {
    local.close();
    await store.close();
  }
});

test('series_blocks: false writes none, drops those there are, and answers the same', async () => {
  const path = file();
  let store = HistoryStore.open({ file: path, log: silentLogger, blockRows: 8 });
  for (const r of mix(200, 1_000)) await store.append(rec(r.topic, r.payload, r.ts));
  await store.buildBlocks();
  const before = await text(store, { topic: A }, 10_000, 'asc');
  assert.ok(store.blockStats().blocks > 5);
  await store.close();
  store = HistoryStore.open({ file: path, log: silentLogger, blockRows: 8, seriesBlocks: false });
  try {
    assert.deepEqual(store.blockStats(), { blocks: 0, rows: 0 });
    for (const r of mix(100, 100_000)) await store.append(rec(r.topic, r.payload, r.ts));
    assert.equal(await store.buildBlocks(), 0);
    assert.deepEqual(store.blockStats(), { blocks: 0, rows: 0 });
    assert.ok((await text(store, { topic: A }, 10_000, 'asc')).startsWith(before.slice(0, -2)));
    await sameAsRows(store, 1_000, 200_000, 'without blocks');
  } finally {
    await store.close();
  }
});
