/**
 * The resilient publisher against bare mqtt.js on the same broker, in one run:
 * - sustained durable publish throughput (every reading kept in the outbox until its PUBACK: on
 *   the wire at once, written only when no PUBACK came within the grace) against bare mqtt.js
 *   QoS 1, pipelined, in memory;
 * - the drain of a 100,000-reading backlog at the default `outbox.drain_rate`;
 * - the latency of live readings on another topic while that drain runs;
 * - RSS and CPU during each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type MqttClient } from 'mqtt';
import { silentLogger } from '../src/core/log.js';
import { MqttLink } from '../src/mqtt/link.js';
import { Outbox } from '../src/publisher/outbox.js';
import { Delivery } from '../src/publisher/delivery.js';
import { summarise, fmt } from './lib.js';

const payload = (i: number) => Buffer.from(JSON.stringify({ temperature: 20 + (i % 100) / 10, humidity: 45.2, pressure: 1013.2, ts: new Date().toISOString() }));

interface Usage {
  seconds: number;
  rate: number;
  rssMiB: number;
  cpuPct: number;
}

/** Runs `fn`, sampling RSS, and returns wall time, peak RSS and CPU use of this process. */
async function measure(n: number, fn: () => Promise<void>): Promise<Usage> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { seconds, rate: n / seconds, rssMiB: peak / 1048576, cpuPct: ((cpu.user + cpu.system) / 1e6 / seconds) * 100 };
}

async function bareQos1(url: string, n: number): Promise<Usage> {
  const c = connect(url, { clientId: 'bench-bare' });
  await new Promise<void>((r) => c.once('connect', () => r()));
  (c.stream as unknown as { setNoDelay(b: boolean): void }).setNoDelay(true);
  const usage = await measure(n, async () => {
    // Pipelined: publish everything, then wait for every PUBACK.
    await Promise.all(Array.from({ length: n }, (_, i) => c.publishAsync(`bench/bare/s${i % 8}`, payload(i), { qos: 1, retain: true })));
  });
  await c.endAsync();
  return usage;
}

async function link(url: string, id: string): Promise<MqttLink> {
  const l = new MqttLink({ url, clientId: id, will: { topic: `bench/${id}/status`, payload: 'offline', retain: true, qos: 1 }, log: silentLogger });
  await l.start();
  return l;
}

async function waitEmpty(outbox: Outbox, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (outbox.stats().depth > 0) {
    if (Date.now() > deadline) throw new Error(`outbox still holds ${outbox.stats().depth} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function hanodeDurable(url: string, n: number): Promise<Usage> {
  const dir = mkdtempSync(join(tmpdir(), 'hanode-bench-durable-'));
  const outbox = Outbox.open({ file: join(dir, 'outbox.sqlite'), log: silentLogger });
  const l = await link(url, 'bench-durable');
  const delivery = new Delivery({ outbox, link: l, log: silentLogger, drainRate: 5_000 });
  delivery.start();
  const usage = await measure(n, async () => {
    // The same offered load as the baseline: every reading handed over at once.
    await Promise.all(Array.from({ length: n }, (_, i) => delivery.send({ topic: `bench/durable/s${i % 8}`, payload: payload(i), qos: 1, retain: true, ts: Date.now() })));
    await waitEmpty(outbox, 120_000);
  });
  delivery.stop();
  await l.stop();
  outbox.close();
  rmSync(dir, { recursive: true, force: true });
  return usage;
}

/** Leaves a backlog of `n` readings in `file`, as an outage would. */
async function fill(file: string, n: number): Promise<void> {
  const outbox = Outbox.open({ file, log: silentLogger });
  const ts = Date.now();
  await Promise.all(Array.from({ length: n }, (_, i) => outbox.enqueue({ topic: `bench/drain/s${i % 8}`, payload: payload(i), qos: 1, retain: true, ts: ts + i })));
  outbox.close();
}

async function drain(url: string, n: number, file: string): Promise<{ usage: Usage; live: ReturnType<typeof summarise> }> {

  // A subscriber times the live readings from hand-over to arrival.
  const sub: MqttClient = connect(url, { clientId: 'bench-drain-sub' });
  await new Promise<void>((r) => sub.once('connect', () => r()));
  await sub.subscribeAsync('bench/live', { qos: 1 });
  const sent = new Map<number, number>();
  const latencies: number[] = [];
  sub.on('message', (_t, p) => {
    const t = sent.get(JSON.parse(p.toString()).seq);
    if (t !== undefined) latencies.push(performance.now() - t);
  });

  const outbox = Outbox.open({ file, log: silentLogger });
  const l = await link(url, 'bench-drain');
  const delivery = new Delivery({ outbox, link: l, log: silentLogger, drainRate: 5_000 });
  let seq = 0;
  const live = setInterval(() => {
    sent.set(seq, performance.now());
    void delivery.send({ topic: 'bench/live', payload: Buffer.from(JSON.stringify({ seq: seq++ })), qos: 1, retain: true, ts: Date.now() });
  }, 10);
  const usage = await measure(n, async () => {
    delivery.start();
    await waitEmpty(outbox, 120_000);
  });
  clearInterval(live);
  delivery.stop();
  await l.stop();
  outbox.close();
  await sub.endAsync();
  return { usage, live: summarise(latencies) };
}

const scenarios = {
  bare: (url: string, n: number) => bareQos1(url, n),
  durable: (url: string, n: number) => hanodeDurable(url, n),
  fill: (_url: string, n: number, file: string) => fill(file, n).then(() => ({})),
  drain: (url: string, n: number, file: string) => drain(url, n, file),
};

/** Each scenario runs in a fresh node process, so one's memory never shows in another's RSS. */
async function inChild<K extends keyof typeof scenarios>(name: K, url: string, n: number, file = ''): Promise<Awaited<ReturnType<(typeof scenarios)[K]>>> {
  const { execFileSync } = await import('node:child_process');
  const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), name, url, String(n), file], { encoding: 'utf8', maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split('\n').pop()!);
}

export async function benchDurable(url: string, n = 50_000, backlog = 100_000) {
  const bare = await inChild('bare', url, n);
  const durable = await inChild('durable', url, n);
  const dir = mkdtempSync(join(tmpdir(), 'hanode-bench-drain-'));
  await inChild('fill', url, backlog, join(dir, 'outbox.sqlite'));
  const drained = await inChild('drain', url, backlog, join(dir, 'outbox.sqlite'));
  rmSync(dir, { recursive: true, force: true });
  return { n, backlog, bare, durable, drained };
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] in scenarios) {
  const [name, url, n, file] = process.argv.slice(2);
  const result = await scenarios[name as keyof typeof scenarios](url, Number(n), file);
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}

export function printDurable(r: Awaited<ReturnType<typeof benchDurable>>) {
  const row = (name: string, u: Usage) =>
    console.log(`  ${name.padEnd(34)}${Math.round(u.rate).toString().padStart(9)}/s${fmt(u.seconds).padStart(8)} s${fmt(u.rssMiB, 0).padStart(7)} MiB${fmt(u.cpuPct, 0).padStart(6)} %`);
  console.log(`\nPublishing ${r.n} readings (QoS 1, retained, 8 topics)                rate    time    peak RSS   CPU`);
  row('bare mqtt.js QoS 1, pipelined, RAM', r.bare);
  row('hanode durable (fsync, outbox)', r.durable);
  console.log(`  durable / bare: ${fmt((r.durable.rate / r.bare.rate) * 100, 0)} %`);
  console.log(`\nDraining a ${r.backlog}-reading backlog at drain_rate 5000/s`);
  row('hanode drain', r.drained.usage);
  console.log(`  live readings (another topic, 100/s) during the drain: p50 ${fmt(r.drained.live.p50)} ms, p99 ${fmt(r.drained.live.p99)} ms, n ${r.drained.live.n}`);
}
