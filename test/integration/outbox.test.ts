/**
 * Issue 3's acceptance items 1–5, end to end: a private Mosquitto on a free port that the test
 * stops and starts, a 10 Hz sim BME280 (`interval: 100ms`), and the `ts` of every state that
 * reaches a subscriber. The agent runs in-process where the test needs its bus (to count what was
 * produced), and as the real CLI in a child process where it must be `kill -9`ed.
 *
 * The subscriber holds a persistent session (clean: false, QoS 1) on a Mosquitto with persistence,
 * so a broker restart loses nothing on the subscriber's side: whatever is missing, the agent lost.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Mosquitto } from '../helpers/mosquitto.js';
import { startAgent } from '../helpers/agent.js';
import { AgentProcess, killAllAgents, nodeDir } from '../helpers/agent-process.js';
import { Subscriber, tsOf, largestGap, gapsOver, orderBreaks, duplicates, iso, sleep } from '../helpers/subscriber.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { Outbox } from '../../src/publisher/outbox.js';
import { silentLogger } from '../../src/core/log.js';
import type { Config } from '../../src/config/config.js';

const INTERVAL = 100;
const MAX_GAP = 2.5 * INTERVAL;
/**
 * On a loaded host (CI runs two test files at once) the input itself may poll late. A gap the
 * agent's own record also shows (what its bus produced, or what it kept on disk) happened before
 * the delivery: it is reported, and tolerated up to this. A gap the record does not show fails at
 * MAX_GAP. Completeness against the record is asserted separately, and exactly.
 */
const MAX_INPUT_GAP = 1_000;

/** Fails on a received gap above MAX_GAP unless `taken` (what the agent itself took) has it too. */
function assertNoDeliveryGaps(t: { diagnostic(s: string): void }, received: number[], taken: number[]): void {
  const made = gapsOver(taken, MAX_GAP);
  const show = (g: { gap: number; from: number; to: number }) => `${g.gap} ms (${iso(g.from)} → ${iso(g.to)})`;
  const delivery = gapsOver(received, MAX_GAP).filter((g) => !made.some((m) => m.from === g.from && m.to === g.to));
  assert.deepEqual(delivery.map(show), [], 'gaps in the received ts that the input did not make');
  if (made.length) t.diagnostic(`gaps before the delivery (late polls on a busy host): ${made.map(show).join(', ')}`);
  assert.ok(made.every((g) => g.gap <= MAX_INPUT_GAP), `gaps before the delivery: no reading taken, or lost before the outbox: ${made.map(show).join(', ')}`);
}
const CLIMATE = {
  'climate.yaml': `
inputs:
  - id: climate
    driver: bme280
    bus: 1
    address: 0x76
    interval: ${INTERVAL}ms
`,
};

const brokers: Mosquitto[] = [];
const subscribers: Subscriber[] = [];
process.once('exit', () => brokers.forEach((b) => void b.stop())); // SIGTERM goes out synchronously
after(async () => {
  killAllAgents();
  for (const s of subscribers) await s.close().catch(() => {});
  for (const b of brokers) await b.stop();
});

async function broker(persistence = false): Promise<Mosquitto> {
  const b = await Mosquitto.start({ persistence });
  brokers.push(b);
  return b;
}

async function subscriber(url: string, persistent?: string): Promise<Subscriber> {
  const s = await Subscriber.connect(url, 'han/#', { persistent });
  subscribers.push(s);
  return s;
}

/** The `ts` of every row in `<data>/outbox.sqlite`, read from a copy of the file and its WAL. */
function keptTs(data: string): number[] {
  const copy = mkdtempSync(join(tmpdir(), 'hanode-outbox-copy-'));
  for (const f of readdirSync(data)) if (f.startsWith('outbox.sqlite')) copyFileSync(join(data, f), join(copy, f));
  const outbox = Outbox.open({ file: join(copy, 'outbox.sqlite'), log: silentLogger });
  try {
    return outbox.peek(1_000_000).map((m) => m.ts);
  } finally {
    outbox.close();
    rmSync(copy, { recursive: true, force: true });
  }
}

function outboxConfig(o: Partial<Config['outbox']>): Config['outbox'] {
  return { max_messages: 1_000_000, max_bytes: 256 * 1024 * 1024, drain_rate: 5_000, ...o };
}

/** Index of the first `status online` at or after arrival position `since`. */
function onlineAfter(sub: Subscriber, node: string, since: number): number {
  return sub.messages.findIndex((m, i) => i >= since && m.topic === `han/${node}/status` && m.payload === 'online');
}

/** The largest number of `times` within any `windowMs`. */
function busiestWindow(times: number[], windowMs: number): number {
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] > windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

test('1. broker down 30 s under a 10 Hz input: every reading arrives, in order, no ts gap > 250 ms; retained is the newest', async (t) => {
  const N = 'outage-pi';
  const TOPIC = `han/${N}/climate`;
  const DRAIN_RATE = 100; // slow enough to watch the drain (≈ 300 kept readings) through health
  const mosq = await broker(true);
  const sub = await subscriber(mosq.url, 'outbox-outage-sub');
  const { agent } = await startAgent({ url: mosq.url, node: N, schemes: CLIMATE, config: { outbox: outboxConfig({ drain_rate: DRAIN_RATE }) } });
  const produced: number[] = [];
  agent.bus.on('state', produced, ({ id, ts }) => void (id === 'climate' && produced.push(ts.getTime())));
  try {
    await sub.until(() => tsOf(sub.messages, TOPIC).length >= 20, 10_000, '2 s of readings before the outage');

    await mosq.stop();
    const downAt = Date.now();
    await sleep(30_000);
    const mark = sub.messages.length;
    await mosq.start();
    const upAt = Date.now();
    // link.ts backs off 0.5, 1, 2, 4, 8, 16 s: after a 30 s outage it is back ≈ 1.5 s after the broker.
    await sub.until(() => onlineAfter(sub, N, mark) >= 0, 35_000, 'the agent to reconnect and say online');
    const backAt = sub.messages[onlineAfter(sub, N, mark)].at;

    // Health while the drain runs, and once it is done; judged after the readings.
    const during = await sub.request(`han/${N}`, 'health');
    let drained = during;
    for (let i = 0; i < 40 && drained.outbox.backlog !== 0; i++) {
      await sleep(500);
      drained = await sub.request(`han/${N}`, 'health');
    }
    await sleep(2_000); // live readings after the drain

    // Stop producing, let the last reading through, then judge.
    await agent.setEnabled('climate', false);
    const newest = produced[produced.length - 1];
    await sub.until(() => tsOf(sub.messages, TOPIC).includes(newest), 5_000, `the newest reading ${iso(newest)}`);
    await sleep(300);

    const received = tsOf(sub.messages, TOPIC);
    const got = new Set(received);
    const missing = produced.filter((t) => !got.has(t));
    t.diagnostic(`produced ${produced.length}, received ${received.length} (${duplicates(received)} repeats), largest ts gap ${largestGap(received).gap} ms, reconnected ${backAt - upAt} ms after the broker`);
    assert.deepEqual(missing.map(iso), [], `${missing.length} of ${produced.length} readings never arrived`);
    assertNoDeliveryGaps(t, received, produced);
    assert.ok(received[0] < downAt - 1_500 && received[received.length - 1] > backAt + 1_500, 'the window spans before, during and after the outage');
    // ≈ 300 at 10 Hz; fewer on a busy host (late polls), and all of them arrived, as checked above.
    const inOutage = received.filter((t) => t > downAt && t < upAt).length;
    assert.ok(inOutage >= 200, `${inOutage} readings from the 30 s outage`);
    assert.deepEqual(orderBreaks(received), [], 'ts is non-decreasing in arrival order');
    assert.ok(duplicates(received) <= 5, `${duplicates(received)} repeats without a crash`);

    // The drain kept to its rate: kept readings (taken before the reconnect) that arrived after it.
    const drainArrivals = sub.messages
      .filter((m) => m.topic === TOPIC && m.at >= backAt - 1_000 && Date.parse(JSON.parse(m.payload).ts) < backAt - 1_000)
      .map((m) => m.at);
    assert.ok(drainArrivals.length >= inOutage, `${drainArrivals.length} kept readings drained`);
    assert.ok(busiestWindow(drainArrivals, 1_000) <= DRAIN_RATE * 1.5, `${busiestWindow(drainArrivals, 1_000)} kept readings within one second at drain_rate ${DRAIN_RATE}`);

    // Health: backlog depth, oldest ts, drain rate, drops, connection state and reconnects.
    assert.equal(during.connection.connected, true);
    assert.equal(during.connection.reconnects, 1, 'one reconnect');
    assert.ok(during.outbox.backlog > 0, `a backlog is still draining at ${DRAIN_RATE}/s: ${JSON.stringify(during.outbox)}`);
    assert.equal(during.outbox.draining, true);
    assert.equal(during.outbox.drain_rate, DRAIN_RATE);
    assert.equal(during.outbox.dropped, 0);
    assert.ok(Date.parse(during.outbox.oldest_ts) >= downAt - 1_000 && Date.parse(during.outbox.oldest_ts) <= downAt + 1_000, `oldest_ts ${during.outbox.oldest_ts} ≈ the start of the outage ${iso(downAt)}`);
    assert.equal(drained.outbox.backlog, 0, `drained: ${JSON.stringify(drained.outbox)}`);
    assert.equal(drained.outbox.oldest_ts, null);
    assert.equal(drained.outbox.draining, false);
    assert.ok(drained.outbox.drained >= inOutage, `health counts ${drained.outbox.drained} drained`);

    // A fresh subscriber sees the newest reading as the retained state.
    const fresh = await subscriber(mosq.url);
    await fresh.client.subscribeAsync(TOPIC, { qos: 1 });
    await fresh.until(() => fresh.on(TOPIC).some((m) => m.retain), 3_000, 'the retained state');
    const retained = fresh.on(TOPIC).find((m) => m.retain)!;
    assert.equal(JSON.parse(retained.payload).ts, iso(newest), 'the retained state is the newest reading');
  } finally {
    await agent.stop();
  }
});

test('2. kill -9 five seconds into an outage: every reading taken before the kill arrives after the restart', async (t) => {
  const N = 'crash-pi';
  const TOPIC = `han/${N}/climate`;
  const mosq = await broker(true);
  const sub = await subscriber(mosq.url, 'outbox-crash-sub');
  const node = nodeDir({ node: N, url: mosq.url, schemes: CLIMATE });

  const first = AgentProcess.spawn(node.config);
  await sub.until(() => tsOf(sub.messages, TOPIC).length >= 20, 20_000, () => `2 s of readings before the outage\n${first.output}`);
  await mosq.stop();
  const downAt = Date.now();
  await sleep(5_000);
  const killAt = await first.kill9();
  // What the killed agent had accepted: a copy of its outbox (the original stays as the crash left it).
  const kept = keptTs(node.data);
  const receivedBeforeRestart = tsOf(sub.messages, TOPIC);
  await mosq.start();

  const mark = sub.messages.length;
  const restartAt = Date.now();
  const second = AgentProcess.spawn(node.config);
  let health: any;
  let exit: unknown;
  try {
    await sub.until(() => onlineAfter(sub, N, mark) >= 0, 20_000, () => `the restarted agent to say online\n${second.output}`);
    // Per-topic order means that a reading taken after the restart comes after all kept ones.
    await sub.until(() => tsOf(sub.messages, TOPIC).some((t) => t > restartAt), 15_000, () => `a reading taken after the restart\n${second.output}`);
    health = await sub.request(`han/${N}`, 'health');
    exit = await second.stop();
  } finally {
    await second.stop();
  }

  const received = tsOf(sub.messages, TOPIC);
  t.diagnostic(`received ${received.length} readings (${duplicates(received)} repeats); ${kept.length} kept on disk at the kill, ${killAt - downAt} ms into the outage`);
  const got = new Set(received);
  assert.ok(kept.length >= 30, `${kept.length} readings kept on disk from the 5 s outage`);
  assert.deepEqual(kept.filter((ts) => !got.has(ts)).map(iso), [], 'every reading kept on disk arrived');
  const beforeKill = received.filter((t) => t <= killAt - 100);
  assertNoDeliveryGaps(t, beforeKill, [...receivedBeforeRestart, ...kept].filter((t) => t <= killAt - 100));
  assert.ok(beforeKill[0] < downAt - 1_500, 'readings from before the outage');
  assert.ok(beforeKill[beforeKill.length - 1] >= killAt - 100 - MAX_GAP, `the last reading before the kill (${iso(beforeKill[beforeKill.length - 1])}, kill at ${iso(killAt)}) arrived`);
  const inOutage = beforeKill.filter((t) => t > downAt).length;
  assert.ok(inOutage >= 30, `${inOutage} readings from the 5 s of outage before the kill`);
  assert.deepEqual(orderBreaks(received), [], 'ts is non-decreasing in arrival order');
  assert.equal(health.outbox.backlog, 0, JSON.stringify(health.outbox));
  assert.match(second.output, /outbox: \d+ reading\(s\) kept from before are waiting to be sent/);
  assert.deepEqual(exit, { code: 0, signal: null }, second.output);
});

test('3. kill -9 during the drain of a 50,000-reading backlog, twice: after a restart all 50,000 arrive, in order', async (t) => {
  const N = 'drain-pi';
  const BULK = `han/${N}/bulk`;
  const TOTAL = 50_000;
  const mosq = await broker();
  const sub = await subscriber(mosq.url);
  // The agent talks through a proxy. The first kill is plain (what was acknowledged but not yet
  // deleted comes again); before the second the test freezes the proxy, so what is in flight never
  // reaches the broker and only a row kept until its PUBACK can bring it back.
  const proxy = await TcpProxy.start(mosq.port);
  const node = nodeDir({ node: N, url: proxy.url, schemes: CLIMATE, outbox: { drain_rate: 5_000 } });

  // The backlog an outage would leave, written through the Outbox class while no agent runs.
  const base = Date.now() - 3_600_000;
  const outbox = Outbox.open({ file: join(node.data, 'outbox.sqlite'), log: silentLogger });
  const kept: Promise<unknown>[] = [];
  for (let seq = 0; seq < TOTAL; seq++) {
    const ts = base + seq * 10;
    kept.push(outbox.enqueue({ topic: BULK, payload: Buffer.from(JSON.stringify({ seq, ts: iso(ts) })), qos: 1, retain: false, ts }));
  }
  await Promise.all(kept);
  assert.equal(outbox.stats().depth, TOTAL);
  outbox.close();

  // Kept up as messages arrive: walking 50,000 messages on every check would be quadratic.
  const all: number[] = [];
  const distinct = new Set<number>();
  sub.client.on('message', (topic, payload) => {
    if (topic !== BULK) return;
    const seq = JSON.parse(payload.toString()).seq as number;
    all.push(seq);
    distinct.add(seq);
  });
  const first = AgentProcess.spawn(node.config);
  await sub.until(() => all.length >= 15_000, 40_000, () => `15,000 drained readings\n${first.output}`);
  const killAt = await first.kill9();
  const atFirstKill = distinct.size;
  const liveDuringDrain = sub.on(`han/${N}/climate`).filter((m) => m.at <= killAt).map((m) => m.at);

  const second = AgentProcess.spawn(node.config);
  await sub.until(() => distinct.size >= 30_000, 40_000, () => `30,000 drained readings\n${second.output}`);
  proxy.freeze();
  await sleep(500);
  await second.kill9();
  proxy.thaw();
  const atSecondKill = distinct.size;
  assert.ok(atFirstKill < atSecondKill && atSecondKill < TOTAL, `both kills came during the drain (${atFirstKill}, ${atSecondKill} delivered)`);

  const third = AgentProcess.spawn(node.config);
  try {
    await sub.until(() => distinct.size === TOTAL, 60_000, () => `all ${TOTAL} sequence numbers (have ${distinct.size})\n${third.output}`);
    assert.deepEqual(await third.stop(), { code: 0, signal: null }, third.output);
  } finally {
    await third.stop();
    await proxy.close();
  }

  const liveGaps = liveDuringDrain.slice(1).map((t, i) => t - liveDuringDrain[i]);
  t.diagnostic(
    `${atFirstKill}, then ${atSecondKill} delivered at the kills; ${all.length} deliveries in all, ${duplicates(all)} repeats; ` +
      `${liveDuringDrain.length} live readings during the first drain, ${Math.max(...liveGaps)} ms apart at most`,
  );
  assert.equal(distinct.size, TOTAL);
  assert.ok([...distinct].every((s) => Number.isInteger(s) && s >= 0 && s < TOTAL));
  assert.deepEqual(orderBreaks(all).slice(0, 5), [], 'first deliveries are in order');
  // At-least-once: only what was in flight or acknowledged-but-not-yet-deleted at the kill comes again.
  assert.ok(duplicates(all) <= 1_000, `${duplicates(all)} repeats after two kills`);
  // Live readings kept flowing while the first agent drained.
  assert.ok(liveDuringDrain.length >= 10, `${liveDuringDrain.length} live readings during the drain`);
});

test('4. a backlog past max_messages drops the oldest, and health counts exactly the drops', async (t) => {
  const N = 'bound-pi';
  const TOPIC = `han/${N}/climate`;
  const MAX = 10;
  const mosq = await broker(true);
  const sub = await subscriber(mosq.url, 'outbox-bound-sub');
  const { agent } = await startAgent({ url: mosq.url, node: N, schemes: CLIMATE, config: { outbox: outboxConfig({ max_messages: MAX }) } });
  const produced: number[] = [];
  agent.bus.on('state', produced, ({ id, ts }) => void (id === 'climate' && produced.push(ts.getTime())));
  try {
    await sub.until(() => produced.length >= 10, 10_000, 'readings before the outage');
    await mosq.stop();
    const downAt = Date.now();
    await sleep(3_000); // ≈ 30 readings into an outbox bounded at 10; the link retries at 3.5 s
    const mark = sub.messages.length;
    await mosq.start();
    await sub.until(() => onlineAfter(sub, N, mark) >= 0, 20_000, 'the agent to reconnect');
    const backAt = sub.messages[onlineAfter(sub, N, mark)].at;
    await sleep(1_000);
    await agent.setEnabled('climate', false);
    const newest = produced[produced.length - 1];
    await sub.until(() => tsOf(sub.messages, TOPIC).includes(newest), 5_000, `the newest reading ${iso(newest)}`);
    const health = await sub.request(`han/${N}`, 'health');
    const info = JSON.parse(sub.messages.filter((m) => m.topic === `han/${N}/$info`).at(-1)!.payload);

    const received = new Set(tsOf(sub.messages, TOPIC));
    const missingAt = produced.flatMap((t, i) => (received.has(t) ? [] : [i]));
    const dropped = health.outbox.dropped;
    t.diagnostic(`produced ${produced.length}, missing ${missingAt.length}, health dropped ${dropped}, $info dropped ${info.outbox.dropped}`);
    assert.ok(dropped >= 10, `about 30 readings in a 10-message outbox: ${dropped} dropped`);
    assert.equal(missingAt.length, dropped, `produced ${produced.length} = received ${produced.length - missingAt.length} + dropped ${dropped}`);
    // The dropped are the oldest of the backlog: one unbroken run, taken during the outage, and
    // everything after it arrived.
    assert.deepEqual(missingAt, missingAt.map((_, k) => missingAt[0] + k), 'the missing readings are consecutive');
    assert.ok(produced[missingAt[0]] > downAt - 200, `the first dropped reading ${iso(produced[missingAt[0]])} is from the outage (${iso(downAt)})`);
    // What the outbox kept through the outage is the newest max_messages (± a reading taken while
    // the reconnect was under way).
    const keptThrough = produced.slice(missingAt.at(-1)! + 1).filter((t) => t < backAt).length;
    assert.ok(keptThrough >= MAX - 1 && keptThrough <= MAX + 2, `${keptThrough} readings from the outage kept by a ${MAX}-message outbox`);
    assert.equal(health.outbox.backlog, 0);
    assert.ok(info.outbox.dropped > 0 && info.outbox.dropped <= dropped, `$info reports the drops: ${JSON.stringify(info.outbox)}`);
  } finally {
    await agent.stop();
  }
});

test('5. a corrupt outbox file: the agent starts, warns in the log and on $error, and publishes readings', async (t) => {
  const N = 'corrupt-pi';
  const mosq = await broker();
  const sub = await subscriber(mosq.url);
  const node = nodeDir({ node: N, url: mosq.url, schemes: CLIMATE });
  mkdirSync(node.data, { recursive: true });
  const garbage = 'this is not an SQLite database\n'.repeat(500);
  writeFileSync(join(node.data, 'outbox.sqlite'), garbage);

  const agent = AgentProcess.spawn(node.config);
  try {
    const error = (m: { topic: string; payload: string }) => m.topic === `han/${N}/$error` && /outbox/.test(JSON.parse(m.payload).error);
    await sub.until(() => sub.messages.some(error), 20_000, () => `an outbox $error\n${agent.output}`);
    await sub.until(() => tsOf(sub.messages, `han/${N}/climate`).length >= 10, 10_000, () => `readings\n${agent.output}`);
    const err = JSON.parse(sub.messages.find(error)!.payload);
    assert.match(err.error, /moved it to .*outbox\.sqlite\.corrupt-/);
    assert.ok(sub.messages.some((m) => m.topic === `han/${N}/status` && m.payload === 'online'));
    const warning = agent.logLines().find((l) => l.level === 40 && /outbox .* is unusable/.test(l.msg));
    assert.ok(warning, `a warning in the log:\n${agent.output}`);

    const aside = readdirSync(node.data).filter((f) => /^outbox\.sqlite\.corrupt-/.test(f) && !/-(wal|shm|journal)$/.test(f));
    assert.equal(aside.length, 1, readdirSync(node.data).join(', '));
    assert.equal(readFileSync(join(node.data, aside[0]), 'utf8'), garbage, 'the corrupt file is kept aside as it was');
    assert.equal(readFileSync(join(node.data, 'outbox.sqlite')).subarray(0, 16).toString(), 'SQLite format 3\0');
    const health = await sub.request(`han/${N}`, 'health');
    assert.equal(health.outbox.dropped, 0);
    assert.deepEqual(await agent.stop(), { code: 0, signal: null }, agent.output);
  } finally {
    await agent.stop();
  }
});
