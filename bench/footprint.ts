/**
 * The footprint table (README "Benchmarks"): every figure of hanode next to a bare mqtt.js
 * baseline measured in the same run, with its ratio and target. hanode runs as a user runs it,
 * `node bin/hanode.js run`, which runs the compiled dist/ when it is up to date.
 */
import { NODE_FLAGS } from '../src/cli/service.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'mqtt';
import { Mosquitto } from '../test/helpers/mosquitto.js';
import { benchControlLatency } from './control-latency.js';
import { rssMiB, stopProcess, fmt, running } from './lib.js';
import { cpuMeter } from './proc.js';
import { nodeDir, schemeMix, type MixOptions } from './schemes.js';
import { distState } from '../bin/dist-state.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

export interface Row {
  key: string;
  label: string;
  unit: string;
  hanode: number;
  baseline?: number;
  /** hanode / baseline, or undefined for an absolute target. */
  ratio?: number;
  target: string;
  meets?: boolean;
}

function ratioRow(key: string, label: string, unit: string, hanode: number, baseline: number, max: number, what = 'bare'): Row {
  const ratio = hanode / baseline;
  return { key, label, unit, hanode, baseline, ratio, target: `≤ ${max}× ${what}`, meets: ratio <= max };
}

export function runDescription(): string {
  return `hanode = node ${NODE_FLAGS.join(' ')} bin/hanode.js run, as npm start and the systemd unit run it (dist/ is ${distState()}${distState() === 'fresh' ? ': compiled JavaScript' : ': it runs src/ through tsx'})`;
}

// ---------------------------------------------------------------- processes

interface Agent {
  child: ChildProcess;
  /** spawn → retained `online` on han/<node>/status, ms. */
  onlineMs: number;
  /** spawn → first log line on stdout or stderr, ms (module loading), when the level printed one. */
  firstLineMs?: number;
  /** The agent's own `started in N ms (ms per service: …)` line, parsed. */
  started?: { total: number; services: Record<string, number> };
}

/** Starts `hanode run` on sim with `schemes` schemes and times it up to its retained `online`. */
export async function spawnAgent(url: string, node: string, files: Record<string, string>, logLevel = 'warn', timeoutMs = 60_000): Promise<Agent> {
  const dirs = nodeDir(node, files);
  const watcher = connect(url, { clientId: `bench-watch-${node}` });
  await watcher.subscribeAsync(`han/${node}/status`, { qos: 1 });
  const t0 = performance.now();
  const child = spawn(process.execPath, [...NODE_FLAGS, 'bin/hanode.js', 'run', '--mqtt', url, '--node', node, '--hardware', 'sim', '--schemes', dirs.schemes, '--data', dirs.data, '--log-level', logLevel], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const agent: Partial<Agent> = { child };
  let output = '';
  const onData = (d: Buffer) => {
    agent.firstLineMs ??= performance.now() - t0;
    output += d;
    const m = /started in (\d+) ms \(ms per service: ([^)]*)\)/.exec(output);
    if (m && !agent.started) {
      const services: Record<string, number> = {};
      for (const part of m[2].split(', ')) {
        const [name, ms] = part.split(' ');
        services[name] = Number(ms);
      }
      agent.started = { total: Number(m[1]), services };
    }
    if (output.length > 1_000_000) output = output.slice(-100_000);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  try {
    agent.onlineMs = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`han/${node}/status: no retained 'online' within ${timeoutMs} ms; output:\n${output.slice(-4000)}`)), timeoutMs);
      watcher.on('message', (_t, p) => p.toString() === 'online' && (clearTimeout(timer), resolve(performance.now() - t0)));
      child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`hanode ${node} exited with ${code} before it was online:\n${output.slice(-4000)}`))));
    });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  } finally {
    await watcher.endAsync();
  }
  return agent as Agent;
}

/** A bare node process holding one mqtt.js connection; resolves once it is connected (and has published `retained`, if given). */
export async function spawnBare(url: string, retained?: string): Promise<{ child: ChildProcess; onlineMs: number }> {
  const topic = retained ?? 'unused';
  const watcher = connect(url, { clientId: `bench-watch-${topic}` });
  if (retained) await watcher.subscribeAsync(retained, { qos: 1 });
  const script = retained
    ? `import { connect } from 'mqtt'; const c = connect(${JSON.stringify(url)}); c.on('connect', () => c.publish(${JSON.stringify(retained)}, 'online', { qos: 1, retain: true }, () => console.log('up')));`
    : `import { connect } from 'mqtt'; const c = connect(${JSON.stringify(url)}); c.on('connect', () => console.log('up'));`;
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  try {
    const onlineMs = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bare mqtt.js process did not connect within 30 s (${url})`)), 30_000);
      if (retained) watcher.on('message', (_t, p) => p.toString() === 'online' && (clearTimeout(timer), resolve(performance.now() - t0)));
      else child.stdout!.once('data', () => (clearTimeout(timer), resolve(performance.now() - t0)));
      child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`bare mqtt.js process exited with ${code}`))));
    });
    return { child, onlineMs };
  } finally {
    await watcher.endAsync();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

let serial = 0;
const uniqueNode = (what: string) => `bench-${what}-${process.pid}-${++serial}`;

// ---------------------------------------------------------------- rows 1 and 2

/**
 * Idle RSS after BENCH_IDLE_SECONDS (30), all processes side by side: hanode with 50 schemes read
 * every second (row 1, against a bare node + mqtt.js connection), and hanode with 50 and with 500
 * schemes at the drivers' default intervals (row 2: what each scheme holds, without the churn of
 * 500 readings a second).
 */
export async function benchIdleRss(url: string): Promise<Row[]> {
  const idle = seconds('BENCH_IDLE_SECONDS', 30);
  const a50 = await spawnAgent(url, uniqueNode('rss50'), { 'mix.yaml': schemeMix(50) });
  const s50 = await spawnAgent(url, uniqueNode('rss50d'), { 'mix.yaml': schemeMix(50, { interval: '30s' }) });
  const s500 = await spawnAgent(url, uniqueNode('rss500d'), { 'mix.yaml': schemeMix(500, { interval: '30s' }) });
  const bare = await spawnBare(url);
  try {
    await sleep(idle * 1000);
    const h50 = rssMiB(a50.child.pid!);
    const d50 = rssMiB(s50.child.pid!);
    const d500 = rssMiB(s500.child.pid!);
    const b = rssMiB(bare.child.pid!);
    const perScheme = ((d500 - d50) * 1024) / 450;
    return [
      ratioRow('idle-rss', `idle RSS after ${idle} s, 50 schemes on sim read every 1 s`, 'MiB', h50, b, 1.15, 'bare node + mqtt.js'),
      { key: 'rss-per-scheme', label: `RSS per extra scheme, 50 → 500 read every 30 s (${fmt(d50, 1)} → ${fmt(d500, 1)} MiB)`, unit: 'KiB', hanode: perScheme, target: '< 40 KiB', meets: perScheme < 40 },
    ];
  } finally {
    await Promise.all([a50, s50, s500, bare].map((p) => stopProcess(p.child)));
  }
}

// ---------------------------------------------------------------- row 3

/** spawn → retained `online`, 50 and 500 schemes, against a bare process that connects and publishes one retained message. Median of `samples` each, interleaved. */
export async function benchSpawnToOnline(url: string, samples = 3): Promise<Row[]> {
  const bare: number[] = [], h50: number[] = [], h500: number[] = [];
  for (let i = 0; i < samples; i++) {
    const b = await spawnBare(url, `bench/bare-${process.pid}-${++serial}/status`);
    bare.push(b.onlineMs);
    await stopProcess(b.child);
    const a = await spawnAgent(url, uniqueNode('spawn50'), { 'mix.yaml': schemeMix(50) });
    h50.push(a.onlineMs);
    await stopProcess(a.child);
    const c = await spawnAgent(url, uniqueNode('spawn500'), { 'mix.yaml': schemeMix(500) });
    h500.push(c.onlineMs);
    await stopProcess(c.child);
  }
  const b = median(bare);
  return [
    ratioRow('spawn-50', 'spawn → retained status online, 50 schemes', 'ms', median(h50), b, 1.5, 'bare connect + publish'),
    ratioRow('spawn-500', 'spawn → retained status online, 500 schemes', 'ms', median(h500), b, 2, 'bare connect + publish'),
  ];
}

// ---------------------------------------------------------------- rows 4 and 5

/** `/set` → state, QoS 1, one command at a time, against a bare mqtt.js relay on the same broker. */
export async function benchSetToState(url: string, nagle: boolean, n: number): Promise<Row[]> {
  const r = await benchControlLatency(url, n);
  const where = nagle ? 'default Mosquitto (Nagle on)' : 'Mosquitto set_tcp_nodelay';
  const max = nagle ? 1.1 : 2;
  return [
    ratioRow(nagle ? 'set-nagle-p50' : 'set-p50', `/set → state, QoS 1, ${where}, p50 (n=${n})`, 'ms', r.hanode.p50, r.baseline.p50, max, 'relay'),
    ratioRow(nagle ? 'set-nagle-p99' : 'set-p99', `/set → state, QoS 1, ${where}, p99 (n=${n})`, 'ms', r.hanode.p99, r.baseline.p99, max, 'relay'),
  ];
}

// ---------------------------------------------------------------- row 6

const PUBLISHER = (url: string, n: number) => `
import { connect } from 'mqtt';
const c = connect(${JSON.stringify(url)});
c.on('connect', () => {
  console.log('up');
  setInterval(() => {
    const ts = new Date().toISOString();
    for (let i = 0; i < ${n}; i++) {
      const t = 20 + Math.random() * 5;
      c.publish('bench/pub/sensor-' + i, JSON.stringify({ temperature: Math.round(t * 100) / 100, humidity: Math.round(40 + Math.random() * 2000) / 100, pressure: 1013.25, ts }), { qos: 1, retain: true });
    }
  }, 1000);
});`;

/** Counts the messages on `topic` for as long as the returned `stop()` is not called. */
async function counter(url: string, topic: string): Promise<{ stop(): Promise<number> }> {
  const c = connect(url, { clientId: `bench-count-${process.pid}-${++serial}` });
  let n = 0;
  let counting = false;
  c.on('message', () => counting && n++);
  await c.subscribeAsync(topic, { qos: 0 });
  await sleep(1_000); // retained messages arrive first: leave them out
  counting = true;
  return { stop: async () => ((counting = false), await c.endAsync(), n) };
}

/** CPU % of one core over BENCH_CPU_SECONDS (60): hanode with 1,000 polled inputs at 1 Hz, against a bare publisher of 1,000 retained QoS 1 messages a second. */
export async function benchInputsCpu(url: string): Promise<Row[]> {
  const span = seconds('BENCH_CPU_SECONDS', 60);
  const mix: MixOptions = { interval: '1s', polledOnly: true, system: 10 };
  const node = uniqueNode('cpu');
  const agent = await spawnAgent(url, node, { 'inputs.yaml': schemeMix(1000, mix) }, 'warn', 120_000);
  let hanode: number, hanodeRate: number;
  try {
    await sleep(5_000); // past start-up and the first readings
    const count = await counter(url, `han/${node}/+`);
    const meter = cpuMeter(agent.child.pid!);
    await sleep(span * 1000);
    hanode = meter.percent();
    hanodeRate = (await count.stop()) / span;
  } finally {
    await stopProcess(agent.child);
  }
  const bare = spawn(process.execPath, ['--input-type=module', '-e', PUBLISHER(url, 1000)], { stdio: ['ignore', 'pipe', 'inherit'] });
  running.add(bare);
  let baseline: number, bareRate: number;
  try {
    await new Promise<void>((resolve, reject) => (bare.stdout!.once('data', () => resolve()), bare.once('exit', (c) => reject(new Error(`bare publisher exited with ${c}`)))));
    await sleep(5_000);
    const count = await counter(url, 'bench/pub/+');
    const meter = cpuMeter(bare.pid!);
    await sleep(span * 1000);
    baseline = meter.percent();
    bareRate = (await count.stop()) / span;
  } finally {
    await stopProcess(bare);
    running.delete(bare);
  }
  return [ratioRow('cpu-1000', `1,000 inputs at 1 Hz, CPU % of a core over ${span} s (${Math.round(hanodeRate)} vs ${Math.round(bareRate)} msg/s seen)`, '%', hanode, baseline, 2, 'bare publisher')];
}

// ---------------------------------------------------------------- row 7

export interface StartupBreakdown {
  firstLineMs: number;
  onlineMs: number;
  total: number;
  services: Record<string, number>;
}

/** One start with `--log-level info`, 50 schemes: spawn → first log line (module loading), and the agent's own per-service start-up times. */
export async function benchStartup(url: string): Promise<StartupBreakdown> {
  const a = await spawnAgent(url, uniqueNode('startup'), { 'mix.yaml': schemeMix(50) }, 'info');
  await sleep(200); // the `started in` line comes right after `online`
  await stopProcess(a.child);
  if (!a.started) throw new Error('the agent printed no "started in N ms (ms per service: …)" line at --log-level info');
  return { firstLineMs: a.firstLineMs ?? NaN, onlineMs: a.onlineMs, total: a.started.total, services: a.started.services };
}

// ---------------------------------------------------------------- one run, and the medians of several

export interface FootprintRun {
  rows: Row[];
  startup: StartupBreakdown;
}

/** Rows 1-7 once, on `broker` (set_tcp_nodelay) plus a second private Mosquitto with its default Nagle. */
export async function benchFootprint(broker: Mosquitto, log: (s: string) => void = console.log): Promise<FootprintRun> {
  const rows: Row[] = [];
  log('  idle RSS (50 and 500 schemes, bare) …');
  rows.push(...(await benchIdleRss(broker.url)));
  log('  spawn → online …');
  rows.push(...(await benchSpawnToOnline(broker.url)));
  log('  /set → state (set_tcp_nodelay) …');
  rows.push(...(await benchSetToState(broker.url, false, Number(process.env.BENCH_SET_N ?? 2000))));
  log('  /set → state (Nagle on) …');
  const nagle = await Mosquitto.start('set_tcp_nodelay false\n');
  try {
    rows.push(...(await benchSetToState(nagle.url, true, Number(process.env.BENCH_SET_NAGLE_N ?? 300))));
  } finally {
    await nagle.stop();
  }
  log('  1,000 inputs, CPU …');
  rows.push(...(await benchInputsCpu(broker.url)));
  log('  start-up breakdown …');
  const startup = await benchStartup(broker.url);
  return { rows, startup };
}

const cell = (n: number | undefined, digits = 2) => (n === undefined || Number.isNaN(n) ? '—' : fmt(n, digits));

export function printFootprint(runs: FootprintRun[], title: string): void {
  const last = runs[runs.length - 1];
  console.log(`\n${title}`);
  console.log('  ' + 'measure'.padEnd(78) + 'hanode'.padStart(10) + 'baseline'.padStart(10) + 'ratio'.padStart(8) + '  ' + 'target'.padEnd(30) + 'meets');
  for (const row of last.rows) {
    const all = runs.map((r) => r.rows.find((x) => x.key === row.key)!);
    const h = median(all.map((r) => r.hanode));
    const b = row.baseline === undefined ? undefined : median(all.map((r) => r.baseline!));
    const ratio = row.ratio === undefined ? undefined : median(all.map((r) => r.ratio!));
    const met = all.filter((r) => r.meets).length;
    const meets = runs.length === 1 ? (row.meets ? 'yes' : 'NO') : `${met}/${runs.length} runs`;
    const label = runs.length === 1 ? row.label : row.label.replace(/\s*\([^()]*\)$/, '');
    console.log('  ' + `${label} [${row.unit}]`.padEnd(78) + cell(h).padStart(10) + cell(b).padStart(10) + (ratio === undefined ? '—' : `${fmt(ratio)}×`).padStart(8) + '  ' + row.target.padEnd(30) + meets);
  }
  const names = Object.keys(last.startup.services);
  const st = (f: (s: StartupBreakdown) => number) => fmt(median(runs.map((r) => f(r.startup))), 0);
  console.log(`  start-up, 50 schemes, --log-level info: spawn → first log line (module loading) ${st((s) => s.firstLineMs)} ms; agent start ${st((s) => s.total)} ms; spawn → online ${st((s) => s.onlineMs)} ms`);
  console.log(`    ms per service: ${names.map((n) => `${n} ${st((s) => s.services[n] ?? NaN)}`).join(', ')}`);
}
