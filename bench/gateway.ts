/**
 * The line-protocol gateway (issue 14, acceptance 3), each figure next to a bare mqtt.js line
 * relay (bench/gateway-relay.ts) measured in the same run on the same broker:
 * - 1,000 TCP devices at once, each PUBbing once a second: CPU % of one core and RSS;
 * - PUB → MQTT latency, one at a time, p50/p99;
 * - lines per second from one device flooding one variable: answered, and until its last value is
 *   on MQTT (the gateway publishes only the latest value while one publish is in flight).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { freePort } from '../test/helpers/mosquitto.js';
import { fmt, rssMiB, startAgentProcess, stopProcess, summarise } from './lib.js';

const DEVICES = 1_000;
const LOAD_SECONDS = 10;
const LATENCY_SAMPLES = 2_000;
const FLOOD_LINES = 100_000;

interface Target {
  name: string;
  port: number;
  /** The MQTT topic a PUB of variable `v` lands on. */
  topic: (v: string) => string;
  /** The line a device sends to set `v` to `value`. */
  line: (v: string, value: string) => string;
  proc: ChildProcess;
  /** Sent first on each connection (ID for the gateway). */
  hello: (i: number) => string;
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s on Linux)
}

async function openSockets(port: number, n: number, hello: (i: number) => string): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < n; i += 100) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, n - i) }, (_, j) =>
        new Promise<Socket>((resolve, reject) => {
          const s = tcpConnect(port, '127.0.0.1', () => {
            s.setNoDelay(true);
            s.write(hello(i + j));
            resolve(s);
          });
          s.once('error', reject);
          // Answers and keep-alives: the device reads them and, for HELLO?, answers.
          s.on('data', (d) => d.includes('HELLO?') && s.write('START | COMMAND=HELLO! | END\n'));
        }),
      ),
    );
    sockets.push(...batch);
  }
  return sockets;
}

async function manyDevices(t: Target) {
  const sockets = await openSockets(t.port, DEVICES, t.hello);
  await new Promise((r) => setTimeout(r, 2_000));
  // Each device PUBs once a second, the devices spread evenly over the second.
  const timers: NodeJS.Timeout[] = [];
  let n = 0;
  sockets.forEach((s, i) => {
    timers.push(
      setTimeout(() => {
        timers.push(setInterval(() => s.write(t.line(`load_${i}`, String(n++))), 1_000));
      }, (i * 1_000) / DEVICES),
    );
  });
  await new Promise((r) => setTimeout(r, 2_000));
  const cpu0 = cpuSeconds(t.proc.pid!);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, LOAD_SECONDS * 1_000));
  const cpuPct = ((cpuSeconds(t.proc.pid!) - cpu0) / ((performance.now() - t0) / 1_000)) * 100;
  const rss = rssMiB(t.proc.pid!);
  for (const timer of timers) clearInterval(timer);
  for (const s of sockets) s.destroy();
  await new Promise((r) => setTimeout(r, 1_000));
  return { cpuPct, rss, pubs: n };
}

async function latency(t: Target, watcher: MqttClient) {
  const [socket] = await openSockets(t.port, 1, t.hello);
  const topic = t.topic('latency');
  await watcher.subscribeAsync(topic, { qos: 1 });
  await new Promise((r) => setTimeout(r, 300));
  const samples: number[] = [];
  let pending: { value: string; t: bigint; resolve: () => void } | undefined;
  const onMessage = (got: string, p: Buffer) => {
    if (got === topic && pending && p.includes(`${pending.value}`)) {
      samples.push(Number(process.hrtime.bigint() - pending.t) / 1e6);
      pending.resolve();
    }
  };
  watcher.on('message', onMessage);
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    await new Promise<void>((resolve, reject) => {
      const value = `v${i}x`;
      const timer = setTimeout(() => reject(new Error(`${t.name}: PUB ${i} never reached ${topic}`)), 5_000);
      pending = { value, t: process.hrtime.bigint(), resolve: () => (clearTimeout(timer), (pending = undefined), resolve()) };
      socket!.write(t.line('latency', value));
    });
  }
  watcher.off('message', onMessage);
  await watcher.unsubscribeAsync(topic);
  socket!.destroy();
  return summarise(samples);
}

async function flood(t: Target, watcher: MqttClient) {
  const [socket] = await openSockets(t.port, 1, t.hello);
  const topic = t.topic('flood');
  await watcher.subscribeAsync(topic, { qos: 1 });
  await new Promise((r) => setTimeout(r, 300));
  let answered = 0;
  let rest = '';
  const start = performance.now();
  let answeredAt = 0;
  const allAnswered = new Promise<void>((resolve) =>
    socket!.on('data', (d) => {
      const parts = (rest + d.toString('latin1')).split('\n');
      rest = parts.pop()!;
      for (const p of parts) if (p.includes('COMMAND=OK')) answered++;
      // The ID's OK came before this listener: count the flood's own answers.
      if (answered >= FLOOD_LINES && !answeredAt) ((answeredAt = performance.now()), resolve());
    }),
  );
  let seen = 0;
  let lastSeen = '';
  const last = `v${FLOOD_LINES - 1}x`;
  let mqttAt = 0;
  const onMqtt = new Promise<void>((resolve) => {
    const fn = (got: string, p: Buffer) => {
      if (got !== topic || !/v\d+x/.test(p.toString())) return;
      seen++;
      lastSeen = p.toString();
      // The relay publishes every line; the gateway only the latest value of a variable while one
      // publish is in flight. Either way the last value must arrive.
      if (p.includes(last)) ((mqttAt = performance.now()), watcher.off('message', fn), resolve());
    };
    watcher.on('message', fn);
  });
  for (let i = 0; i < FLOOD_LINES; i += 1_000) {
    let chunk = '';
    for (let j = i; j < i + 1_000; j++) chunk += t.line('flood', `v${j}x`);
    if (!socket!.write(chunk)) await new Promise((r) => socket!.once('drain', r));
  }
  const progress = setInterval(() => process.stderr.write(`    ${answered} answered, ${seen} on MQTT, last ${lastSeen.slice(-30)}\n`), 5_000);
  await allAnswered;
  await Promise.race([onMqtt, new Promise((r) => setTimeout(r, 120_000))]);
  clearInterval(progress);
  if (!mqttAt) throw new Error(`${t.name}: the last of ${FLOOD_LINES} PUBs never reached ${topic} (${seen} did, the last ${lastSeen})`);
  await watcher.unsubscribeAsync(topic);
  socket!.destroy();
  const rss = rssMiB(t.proc.pid!);
  return { answeredPerS: FLOOD_LINES / ((answeredAt - start) / 1_000), onMqttPerS: FLOOD_LINES / ((mqttAt - start) / 1_000), published: seen, rss };
}

async function startRelay(url: string): Promise<Target> {
  const port = await freePort();
  const proc = spawn(process.execPath, ['--import', 'tsx', 'bench/gateway-relay.ts', url, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => proc.stdout!.once('data', () => resolve()));
  return {
    name: 'bare mqtt.js line relay',
    port,
    proc,
    topic: () => 'bench/relay/line',
    line: (v, value) => `START | COMMAND=PUB | VARIABLE=${v} | VALUE=${value} | END\n`,
    // The relay publishes every line: its "ID" is just one more line.
    hello: (i) => `START | COMMAND=ID | ID=dev-${i} | END\n`,
  };
}

async function startGateway(url: string): Promise<Target> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'hanode-bench-gw-'));
  mkdirSync(join(dir, 'schemes'));
  const allow = Array.from({ length: DEVICES + 10 }, (_, i) => `dev-${i}`);
  writeFileSync(join(dir, 'hanode.yaml'), `gateway:\n  tcp: { host: 127.0.0.1, port: ${port} }\n  keepalive: 30s\n  allow: [${allow.join(', ')}]\n`);
  const proc = await startAgentProcess(url, 'bench-gw', ['-c', join(dir, 'hanode.yaml'), '--hardware', 'sim', '--schemes', join(dir, 'schemes'), '--data', join(dir, 'data'), '--log-level', 'warn']);
  return {
    name: 'hanode gateway',
    port,
    proc,
    topic: (v) => `han/$vars/${v}`,
    line: (v, value) => `START | COMMAND=PUB | VARIABLE=${v} | VALUE=${value} | END\n`,
    hello: (i) => `START | COMMAND=ID | ID=dev-${i} | END\n`,
  };
}

async function measure(t: Target, url: string) {
  const watcher = connect(url, { clientId: `bench-gw-watch-${Math.random().toString(16).slice(2)}` });
  await new Promise<void>((resolve) => watcher.once('connect', () => resolve()));
  (watcher.stream as unknown as { setNoDelay(b: boolean): void }).setNoDelay(true);
  const step = (what: string) => process.stderr.write(`  ${t.name}: ${what}\n`);
  try {
    step(`${DEVICES} devices for ${LOAD_SECONDS} s`);
    const load = await manyDevices(t);
    step(`latency, ${LATENCY_SAMPLES} PUBs one at a time`);
    const lat = await latency(t, watcher);
    step(`flood of ${FLOOD_LINES} lines`);
    const fl = await flood(t, watcher);
    return { load, lat, flood: fl };
  } finally {
    await watcher.endAsync();
    await stopProcess(t.proc);
  }
}

export async function benchGateway(url: string) {
  const baseline = await measure(await startRelay(url), url);
  const hanode = await measure(await startGateway(url), url);
  return { baseline, hanode };
}

export function printGateway(r: Awaited<ReturnType<typeof benchGateway>>) {
  const row = (label: string, a: string, b: string) => console.log(`  ${label.padEnd(44)}${a.padStart(14)}${b.padStart(16)}`);
  console.log(`\nLine gateway (targets: ${DEVICES} devices < 25 % of a core, p50 < 2 ms, >= 20,000 lines/s)`);
  row('', 'bare relay', 'hanode gateway');
  row(`${DEVICES} devices, 1 PUB/s each: CPU % of a core`, fmt(r.baseline.load.cpuPct, 1), fmt(r.hanode.load.cpuPct, 1));
  row(`  RSS MiB`, fmt(r.baseline.load.rss, 1), fmt(r.hanode.load.rss, 1));
  row(`PUB → MQTT latency p50 ms (${LATENCY_SAMPLES} one at a time)`, fmt(r.baseline.lat.p50), fmt(r.hanode.lat.p50));
  row('  p99 ms', fmt(r.baseline.lat.p99), fmt(r.hanode.lat.p99));
  row(`one device flooding ${FLOOD_LINES} PUBs: answered lines/s`, Math.round(r.baseline.flood.answeredPerS).toString(), Math.round(r.hanode.flood.answeredPerS).toString());
  row('  until the last value is on MQTT, lines/s', Math.round(r.baseline.flood.onMqttPerS).toString(), Math.round(r.hanode.flood.onMqttPerS).toString());
  row('  messages on MQTT for them', String(r.baseline.flood.published), String(r.hanode.flood.published));
  row('  RSS MiB after', fmt(r.baseline.flood.rss, 1), fmt(r.hanode.flood.rss, 1));
}
