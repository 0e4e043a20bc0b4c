/**
 * History and the HTTP API over a private Mosquitto: a-node and b-node publish, r-node records
 * (`history:`) and serves the API (`http:`). Every endpoint goes through real HTTP with fetch.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useBroker } from '../helpers/broker-fixture.js';
import { nodeDir, startNode } from '../helpers/node.js';
import type { Agent } from '../../src/agent/agent.js';
import type { SimHardware } from '../../src/hardware/sim/index.js';
import { historySchema } from '../../src/history/schema.js';
import { httpSchema } from '../../src/http/schema.js';
import { LIMITS } from '../../src/http/limits.js';
import { MAX_RECORD_BYTES } from '../../src/history/recorder.js';
import { api, eventually, recorderConfig } from './helpers.js';

const SCHEMES = (sensor: string) => ({
  's.yaml': `
inputs:
  - id: temp
    driver: ds18b20
    sensor_id: ${sensor}
    interval: 100ms
`,
});

describe('history and the HTTP API', () => {
  const broker = useBroker({ probe: ['han/#', 'test/#'] });
  let a: Agent;
  let b: Agent;
  let r: Agent;
  let url: string;
  let rConfig: ReturnType<typeof recorderConfig>;
  const call = (path: string, init?: Parameters<typeof api>[2]) => api(url, path, init);

  broker.before(async () => {
    rConfig = recorderConfig(broker.url, { history: { topics: ['han/+/+', 'test/#'] } });
    rConfig.time = { publish_every: 1_000 };
    r = await startNode(rConfig);
    url = r.http!.url!;
    a = await startNode(nodeDir({ url: broker.url, node: 'a-node', schemes: SCHEMES('28-00000a1b2c3d') }));
    b = await startNode(nodeDir({ url: broker.url, node: 'b-node', schemes: SCHEMES('28-00000a1b2c3e') }));
    await broker.probe.waitFor('han/a-node/status', (p) => p === 'online');
    await broker.probe.waitFor('han/b-node/status', (p) => p === 'online');
  });

  broker.after(async () => {
    await a?.stop();
    await b?.stop();
    await r?.stop();
  });

  test('D2 records both nodes and takes + and # in topic', async () => {
    await eventually(async () => {
      const { body } = await call('/api/records?topic=han/%2B/temp&limit=1000');
      const topics = new Set(body.records.map((x: any) => x.topic));
      assert.deepEqual([...topics].sort(), ['han/a-node/temp', 'han/b-node/temp']);
    });
    const { status, body } = await call('/api/records?topic=han/a-node/%23&limit=50');
    assert.equal(status, 200);
    assert.ok(body.records.length > 0);
    for (const rec of body.records) {
      assert.match(rec.topic, /^han\/a-node\//);
      assert.equal(typeof rec.id, 'number');
      assert.match(rec.ts, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    }
    const temps = body.records.filter((x: any) => x.topic === 'han/a-node/temp');
    assert.equal(typeof temps[0].payload.temperature, 'number', 'a JSON payload comes back parsed');
    // Exact topic; default order is newest first.
    const exact = (await call('/api/records?topic=han/b-node/temp&limit=5')).body.records;
    assert.ok(exact.length >= 1 && exact.every((x: any) => x.topic === 'han/b-node/temp'));
    const times = exact.map((x: any) => Date.parse(x.ts));
    assert.deepEqual(times, [...times].sort((x, y) => y - x));
  });

  test('D2 from/to (ISO and ms), order=asc and limit', async () => {
    const base = Date.parse('2020-01-01T00:00:00.000Z');
    for (let i = 0; i < 5; i++) {
      const { status } = await call('/api/records', { method: 'POST', body: { topic: 'test/range', payload: { i }, ts: base + i * 1000 } });
      assert.equal(status, 201);
    }
    const asc = (await call(`/api/records?topic=test/range&order=asc&from=${base + 1000}&to=2020-01-01T00:00:03.000Z`)).body.records;
    assert.deepEqual(asc.map((x: any) => x.payload.i), [1, 2, 3]);
    const limited = (await call('/api/records?topic=test/range&limit=2')).body.records;
    assert.deepEqual(limited.map((x: any) => x.payload.i), [4, 3]);
    const bad = await call('/api/records?topic=test/range&from=yesterday');
    assert.equal(bad.status, 400);
    assert.match(bad.body.detail, /from: expected an ISO-8601 time or ms/);
  });

  test('D3 conditions on JSON fields, nested, each op', async () => {
    const rows = [{ t: 20, s: 'ON', n: { v: 1 } }, { t: 25, s: 'OFF', n: { v: 2 } }, { t: 30, s: 'ON-ish', n: { v: 3 } }];
    for (const payload of rows) await call('/api/records', { method: 'POST', body: { topic: 'test/cond', payload } });
    await call('/api/records', { method: 'POST', body: { topic: 'test/cond', payload: 'not json' } });
    const q = async (field: string, op: string, value: string) =>
      (await call(`/api/records?topic=test/cond&order=asc&field=${field}&op=${op}&value=${encodeURIComponent(value)}`)).body.records.map((x: any) => x.payload.t);
    assert.deepEqual(await q('t', 'eq', '25'), [25]);
    assert.deepEqual(await q('t', 'ne', '25'), [20, 30]);
    assert.deepEqual(await q('t', 'gt', '20'), [25, 30]);
    assert.deepEqual(await q('t', 'gte', '25'), [25, 30]);
    assert.deepEqual(await q('t', 'lt', '25'), [20]);
    assert.deepEqual(await q('t', 'lte', '25'), [20, 25]);
    assert.deepEqual(await q('s', 'contains', 'ON'), [20, 30]);
    assert.deepEqual(await q('s', 'eq', 'OFF'), [25]);
    assert.deepEqual(await q('n.v', 'gte', '2'), [25, 30]);
    const half = await call('/api/records?topic=test/cond&field=t&op=eq');
    assert.equal(half.status, 400);
    assert.match(half.body.detail, /field, op and value go together/);
    const badOp = await call('/api/records?topic=test/cond&field=t&op=like&value=1');
    assert.equal(badOp.status, 400);
    assert.match(badOp.body.detail, /op/);
  });

  test('a payload that is not UTF-8 is kept as bytes and returned in base64', async () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x41]);
    await broker.probe.client.publishAsync('test/bin', bytes, { qos: 1 });
    await eventually(async () => {
      const recs = (await call('/api/records?topic=test/bin')).body.records;
      assert.equal(recs.length, 1);
      assert.equal(recs[0].encoding, 'base64');
      assert.deepEqual(Buffer.from(recs[0].payload, 'base64'), bytes);
    });
    const posted = await call('/api/records', { method: 'POST', body: { topic: 'test/bin2', payload: bytes.toString('base64'), encoding: 'base64' } });
    assert.equal(posted.status, 201);
    assert.equal(posted.body.encoding, 'base64');
    const got = await call(`/api/records/${posted.body.id}`);
    assert.deepEqual(Buffer.from(got.body.payload, 'base64'), bytes);
    // Text that is not JSON comes back as text.
    const text = await call('/api/records', { method: 'POST', body: { topic: 'test/text', payload: 'hello' } });
    assert.equal(text.body.payload, 'hello');
    assert.equal(text.body.encoding, undefined);
  });

  test('a message over 1 MiB is left out of the history and counted; one of exactly 1 MiB is kept', async () => {
    await broker.probe.client.publishAsync('test/size/at', Buffer.alloc(MAX_RECORD_BYTES, 0x61), { qos: 1 });
    await broker.probe.client.publishAsync('test/size/over', Buffer.alloc(MAX_RECORD_BYTES + 1, 0x61), { qos: 1 });
    await broker.probe.publish('test/size/after', 'x');
    await eventually(async () => assert.equal((await call('/api/records?topic=test/size/after')).body.records.length, 1));
    const at = (await call('/api/records?topic=test/size/at')).body.records;
    assert.equal(at.length, 1);
    assert.equal(at[0].payload.length, MAX_RECORD_BYTES);
    assert.equal((await call('/api/records?topic=test/size/over')).body.records.length, 0);
    const metrics = (await call('/metrics')).body as string;
    assert.match(metrics, /^hanode_history_skipped_total 1$/m);
  });

  test('D4 201, D1 the record or 404, D5 deletes one or 404', async () => {
    const created = await call('/api/records', { method: 'POST', body: { topic: 'test/one', payload: { x: 1 }, ts: '2024-05-01T12:00:00.000Z' } });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body, { id: created.body.id, topic: 'test/one', payload: { x: 1 }, ts: '2024-05-01T12:00:00.000Z' });
    assert.deepEqual((await call(`/api/records/${created.body.id}`)).body, created.body);
    const del = await call(`/api/records/${created.body.id}`, { method: 'DELETE' });
    assert.deepEqual([del.status, del.body], [200, { deleted: 1 }]);
    const gone = await call(`/api/records/${created.body.id}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error, 'not found');
    assert.equal((await call(`/api/records/${created.body.id}`, { method: 'DELETE' })).status, 404);
    assert.equal((await call('/api/records/abc')).status, 400);
    const wild = await call('/api/records', { method: 'POST', body: { topic: 'test/+', payload: 1 } });
    assert.equal(wild.status, 400);
    const missing = await call('/api/records', { method: 'POST', body: { payload: 1 } });
    assert.equal(missing.status, 400);
    assert.match(missing.body.detail, /topic/);
  });

  test('D6 refuses to run without a filter, and deletes by topic, before and condition', async () => {
    const none = await call('/api/records', { method: 'DELETE' });
    assert.equal(none.status, 400);
    assert.equal(none.body.error, 'no filter');
    // An unknown parameter is no filter either.
    assert.equal((await call('/api/records?topik=test/%23', { method: 'DELETE' })).status, 400);
    for (let i = 0; i < 4; i++) await call('/api/records', { method: 'POST', body: { topic: 'test/del', payload: { i }, ts: 1_000 + i } });
    const byCond = await call('/api/records?topic=test/del&field=i&op=gte&value=2', { method: 'DELETE' });
    assert.deepEqual(byCond.body, { deleted: 2 });
    const byBefore = await call('/api/records?topic=test/del&before=1001', { method: 'DELETE' });
    assert.deepEqual(byBefore.body, { deleted: 1 });
    const left = (await call('/api/records?topic=test/del')).body.records;
    assert.deepEqual(left.map((x: any) => x.payload.i), [1]);
    assert.deepEqual((await call('/api/records?topic=test/del', { method: 'DELETE' })).body, { deleted: 1 });
    // A payload condition alone: the table is read a slice at a time, and only matches go.
    for (let i = 0; i < 3; i++) await call('/api/records', { method: 'POST', body: { topic: `test/cond-only/${i}`, payload: { marker: 'd6-only', i } } });
    const byCondOnly = await call('/api/records?field=marker&op=eq&value=d6-only', { method: 'DELETE' });
    assert.deepEqual(byCondOnly.body, { deleted: 3 });
    assert.equal((await call('/api/records?topic=test/cond-only/%2B')).body.records.length, 0);
    assert.ok((await call('/api/records?topic=han/%2B/temp&limit=1')).body.records.length > 0, 'other records stay');
  });

  test('M1 publishes the time on B/$time; M2 time; M3 random; M4 uuid', async () => {
    const since = broker.probe.mark();
    const pub = await call('/api/time/publish', { method: 'POST' });
    assert.equal(pub.status, 200);
    assert.equal(Date.parse(pub.body.ts), pub.body.epoch_ms);
    // time.publish_every publishes there too: look for this one.
    const seen = await broker.probe.waitFor('han/$time', (p) => JSON.parse(p).epoch_ms === pub.body.epoch_ms, 5_000, since);
    assert.deepEqual(JSON.parse(seen.payload), pub.body);
    const time = (await call('/api/time')).body;
    assert.ok(Math.abs(time.epoch_ms - Date.now()) < 60_000);
    assert.equal(new Date(time.epoch_ms).toISOString(), time.ts);
    assert.match((await call('/api/random')).body.value, /^[A-Za-z0-9]{16}$/);
    assert.match((await call('/api/random?length=1')).body.value, /^[A-Za-z0-9]$/);
    assert.match((await call(`/api/random?length=${LIMITS.randomMax}`)).body.value, new RegExp(`^[A-Za-z0-9]{${LIMITS.randomMax}}$`));
    assert.equal((await call('/api/random?length=0')).status, 400);
    const over = await call(`/api/random?length=${LIMITS.randomMax + 1}`);
    assert.equal(over.status, 400);
    assert.match(over.body.detail, /length/);
    const uuids = new Set<string>();
    for (let i = 0; i < 3; i++) uuids.add((await call('/api/uuid')).body.uuid);
    assert.equal(uuids.size, 3);
    for (const u of uuids) assert.match(u, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  test('time.publish_every publishes the time on B/$time on its own', async () => {
    const since = broker.probe.mark();
    const first = await broker.probe.waitFor('han/$time', () => true, 5_000, since);
    const second = await broker.probe.waitFor('han/$time', () => true, 5_000, first.seq + 1);
    const [a, b] = [JSON.parse(first.payload), JSON.parse(second.payload)];
    assert.ok(b.epoch_ms > a.epoch_ms);
    assert.equal(new Date(b.epoch_ms).toISOString(), b.ts);
    assert.equal(second.retain, false);
  });

  test('M5/M6: POST /api/outputs/:id commands an output as /set does', async () => {
    const level = () => (r.hardware as SimHardware).device('lamp')!.state().level;
    const since = broker.probe.mark();
    const on = await call('/api/outputs/lamp', { method: 'POST', body: 'ON', headers: { 'content-type': 'text/plain' } });
    assert.deepEqual([on.status, on.body.status, on.body.state.state], [200, 'ok', 'ON']);
    assert.equal(level(), 1);
    await broker.probe.waitForState('han/r-node/lamp', (s) => s.state === 'ON', 5_000, since);
    const off = await call('/api/outputs/lamp', { method: 'POST', body: { state: 'off' } });
    assert.deepEqual([off.status, off.body.state.state], [200, 'OFF']);
    assert.equal(level(), 0);
    const missing = await call('/api/outputs/nope', { method: 'POST', body: { state: 'ON' } });
    assert.equal(missing.status, 404);
    assert.match(missing.body.detail, /no output 'nope'/);
    const bad = await call('/api/outputs/lamp', { method: 'POST', body: { state: 'BLUE' } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.detail, /invalid command/);
    const badJson = await call('/api/outputs/lamp', { method: 'POST', body: '{"state":', headers: { 'content-type': 'text/plain' } });
    assert.equal(badJson.status, 400);
    assert.match(badJson.body.detail, /invalid JSON/);
  });

  test('/api/state, /api/nodes, /api/health and /metrics', async () => {
    await eventually(async () => {
      const state = (await call('/api/state')).body;
      assert.equal(typeof state['a-node'].temp.temperature, 'number');
      assert.equal(typeof state['b-node'].temp.temperature, 'number');
      assert.equal(state['a-node'].status, undefined, 'status is not a scheme');
    });
    const nodes = (await call('/api/nodes')).body.nodes;
    const ids = nodes.map((n: any) => n.id);
    for (const id of ['a-node', 'b-node', 'r-node']) assert.ok(ids.includes(id), `${id} in ${ids}`);
    const aNode = nodes.find((n: any) => n.id === 'a-node');
    assert.equal(aNode.status, 'online');
    assert.deepEqual(aNode.info.inputs, ['temp']);
    const health = (await call('/api/health')).body;
    assert.equal(health.node, 'r-node');
    assert.equal(typeof health.outbox.backlog, 'number');
    const res = await fetch(`${url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /^text\/plain/);
    const text = await res.text();
    for (const name of ['hanode_outbox_depth', 'hanode_outbox_dropped_total', 'hanode_errors_total', 'hanode_history_rows', 'hanode_callback_backlog', 'hanode_http_auth_failures_total']) {
      assert.match(text, new RegExp(`^# TYPE ${name} (gauge|counter)$`, 'm'), name);
    }
    assert.match(text, /^hanode_readings_total\{scheme="lamp"\} \d+$/m);
    const rows = Number(/^hanode_history_rows (\d+)$/m.exec(text)![1]);
    assert.ok(rows > 0);
  });

  test('limits: limit, time range, string lengths and body size, each at its bound', async () => {
    assert.equal((await call(`/api/records?limit=${LIMITS.maxLimit}`)).status, 200);
    const over = await call(`/api/records?limit=${LIMITS.maxLimit + 1}`);
    assert.equal(over.status, 400);
    assert.match(over.body.detail, /limit must be <= 10000/);
    const from = Date.parse('2024-01-01T00:00:00.000Z');
    assert.equal((await call(`/api/records?from=${from}&to=${from + LIMITS.maxRangeMs}`)).status, 200);
    const wide = await call(`/api/records?from=${from}&to=${from + LIMITS.maxRangeMs + 1}`);
    assert.equal(wide.status, 400);
    assert.match(wide.body.detail, /spans more than 400 days/);
    const topic = (n: number) => 't/' + 'x'.repeat(n - 2);
    assert.equal((await call('/api/records', { method: 'POST', body: { topic: topic(LIMITS.topicChars), payload: 1 } })).status, 201);
    const long = await call('/api/records', { method: 'POST', body: { topic: topic(LIMITS.topicChars + 1), payload: 1 } });
    assert.equal(long.status, 400);
    assert.match(long.body.detail, /topic must NOT have more than 256 characters/);
    assert.equal((await call(`/api/records?topic=${topic(LIMITS.topicChars + 1)}`)).status, 400);
    assert.equal((await call(`/api/records?topic=t&field=${'f'.repeat(LIMITS.fieldChars + 1)}&op=eq&value=1`)).status, 400);
    assert.equal((await call(`/api/records?topic=t&field=f&op=eq&value=${'v'.repeat(LIMITS.valueChars + 1)}`)).status, 400);
    // A body of exactly the limit is taken; one byte more is refused with 413.
    const sized = (n: number) => {
      const shell = JSON.stringify({ topic: 'test/big', payload: '' });
      return JSON.stringify({ topic: 'test/big', payload: 'p'.repeat(n - shell.length) });
    };
    assert.equal(Buffer.byteLength(sized(LIMITS.bodyBytes)), LIMITS.bodyBytes);
    assert.equal((await call('/api/records', { method: 'POST', body: sized(LIMITS.bodyBytes), headers: { 'content-type': 'application/json' } })).status, 201);
    const big = await call('/api/records', { method: 'POST', body: sized(LIMITS.bodyBytes + 1), headers: { 'content-type': 'application/json' } });
    assert.equal(big.status, 413);
    assert.equal(big.body.error, 'body too large');
  });

  test('errors are JSON {error, detail} with the status', async () => {
    const nf = await call('/api/nothing-here');
    assert.equal(nf.status, 404);
    assert.deepEqual(Object.keys(nf.body).sort(), ['detail', 'error']);
    const wrongType = await call('/api/records', { method: 'POST', body: '<x/>', headers: { 'content-type': 'application/xml' } });
    assert.equal(wrongType.status, 415);
    assert.equal(typeof wrongType.body.error, 'string');
  });

  test('a restarted recorder does not record the retained messages it is sent again', async () => {
    const count = async (topic: string) => (await call(`/api/records?topic=${encodeURIComponent(topic)}&limit=10000`)).body.records.length;
    await eventually(async () => assert.equal(await count('han/a-node/status'), 1));
    assert.equal(await count('han/a-node/$info'), 1);
    await r.stop();
    r = await startNode(rConfig);
    url = r.http!.url!;
    // The retained status and $info came again on subscribing; the recorder has them already.
    await eventually(async () => assert.ok((await call('/api/nodes')).body.nodes.some((n: any) => n.id === 'a-node' && n.info)));
    assert.equal(await count('han/a-node/status'), 1);
    assert.equal(await count('han/a-node/$info'), 1);
    // A new message on the same topic is recorded.
    await broker.probe.publish('han/a-node/$info', '{"changed":true}', { retain: false });
    await eventually(async () => assert.equal(await count('han/a-node/$info'), 2));
  });

  test('config: the sections validate with their defaults', () => {
    assert.deepEqual(historySchema().parse({}), { retention: 30 * 86_400_000, max_rows: 10_000_000, max_bytes: 1024 ** 3, series_blocks: true });
    assert.equal(historySchema().parse({ retention: '12h' }).retention, 12 * 3_600_000);
    assert.equal(httpSchema().parse({}).host, '127.0.0.1');
    assert.equal(httpSchema().safeParse({ host: '0.0.0.0' }).success, false);
    assert.equal(httpSchema().safeParse({ host: '0.0.0.0', token: 'a-long-enough-token' }).success, true);
  });
});
