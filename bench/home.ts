/**
 * `npm run bench -- home`: a 50-node home on one private Mosquitto. 50 `hanode run` processes
 * (20 schemes each on sim, distinct node ids and data directories), started in batches, then:
 * time until all are online, the Home Assistant discovery burst, cross-node rule latency while
 * every node publishes, the broker's message rate and CPU, and the agents' total RSS.
 *
 * HOME_NODES (50), HOME_BATCH (5) and HOME_INTERVAL (5s, the reading interval of the polled
 * inputs) change the size of the home.
 */
import type { ChildProcess } from 'node:child_process';
import { connect, type MqttClient } from 'mqtt';
import { Mosquitto } from '../test/helpers/mosquitto.js';
import { rssMiB, summarise, fmt, running } from './lib.js';
import { cpuMeter, mosquittoPid } from './proc.js';
import { schemeMix } from './schemes.js';
import { spawnAgent, spawnBare, runDescription } from './footprint.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const id = (i: number) => `home-${String(i).padStart(2, '0')}`;

/** Node 1 follows node 2's first button with its first relay. */
const FOLLOW_RULE = `rules:
  - id: follow-${id(2)}
    when:
      all:
        - { fact: ${id(2)}/button-0, path: $.state, operator: equal, value: "ON" }
    then:
      - { set: { output: relay-0, value: "ON" } }
    else:
      - { set: { output: relay-0, value: "OFF" } }
`;

async function client(url: string, clientId: string): Promise<MqttClient> {
  const c = connect(url, { clientId });
  await new Promise<void>((resolve, reject) => (c.once('connect', () => resolve()), c.once('error', reject)));
  return c;
}

/** SIGTERM, then SIGKILL after `graceMs`. */
async function stop(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => (clearTimeout(timer), resolve()));
    child.kill('SIGTERM');
  });
}

export async function benchHome(): Promise<void> {
  const nodes = Number(process.env.HOME_NODES ?? 50);
  const batch = Number(process.env.HOME_BATCH ?? 5);
  const interval = process.env.HOME_INTERVAL ?? '5s';
  const schemesPerNode = 20;
  const broker = await Mosquitto.start('max_connections -1\n');
  const agents: ChildProcess[] = [];
  const clients: MqttClient[] = [];
  console.log(`\nA ${nodes}-node home on a private Mosquitto at ${broker.url}: ${schemesPerNode} schemes a node on sim (4 buttons, 4 relays, 1 system, 11 sensors read every ${interval}), started ${batch} at a time; ${runDescription()}`);
  try {
    // -- all online
    const t0 = performance.now();
    for (let first = 1; first <= nodes; first += batch) {
      const ids = Array.from({ length: Math.min(batch, nodes - first + 1) }, (_, k) => first + k);
      const started = await Promise.all(
        ids.map((i) => {
          const files: Record<string, string> = { 'mix.yaml': schemeMix(schemesPerNode, { interval, gpio: 4, system: 1 }) };
          if (i === 1) files['rules.yaml'] = FOLLOW_RULE;
          return spawnAgent(broker.url, id(i), files, 'warn', 180_000).then((a) => (agents.push(a.child), a));
        }),
      );
      console.log(`  ${agents.length}/${nodes} online (${fmt((performance.now() - t0) / 1000, 1)} s; this batch ${started.map((a) => Math.round(a.onlineMs)).join(', ')} ms)`);
    }
    const allOnline = performance.now() - t0;
    console.log(`  all ${nodes} online ${fmt(allOnline / 1000, 1)} s after the first spawn`);
    await sleep(3_000);

    // -- the discovery burst
    const ha = await client(broker.url, `bench-ha-${process.pid}`);
    clients.push(ha);
    const retained = new Map<string, number>();
    let live = 0, last = 0, burstT0 = 0;
    const liveByNode = new Map<string, number>();
    ha.on('message', (topic, payload, packet) => {
      if (!topic.endsWith('/config') || payload.length === 0) return;
      const node = topic.split('/')[2];
      if (packet.retain) retained.set(node, (retained.get(node) ?? 0) + 1);
      else if (burstT0) {
        live++;
        last = performance.now() - burstT0;
        liveByNode.set(node, (liveByNode.get(node) ?? 0) + 1);
      }
    });
    await ha.subscribeAsync('homeassistant/#', { qos: 1 });
    await sleep(3_000);
    const expected = [...retained.values()].reduce((a, b) => a + b, 0);
    console.log(`  retained discovery configs on the broker: ${expected} from ${retained.size} nodes; publishing homeassistant/status online`);
    burstT0 = performance.now();
    await ha.publishAsync('homeassistant/status', 'online', { qos: 1 });
    for (let waited = 0; live < expected && waited < 120_000; waited += 250) await sleep(250);
    await sleep(2_000); // anything past the expected count
    const counts = [...liveByNode.values()];
    const short = [...retained].filter(([n, c]) => (liveByNode.get(n) ?? 0) < c).map(([n]) => n);
    console.log(`  discovery burst: ${live} configs (expected ${expected}; per node ${Math.min(...counts)}–${Math.max(...counts)}; ${short.length ? `short: ${short.join(', ')}` : 'every node complete'}), all within ${fmt(last, 0)} ms`);
    await ha.endAsync();
    await sleep(2_000);

    // -- broker message rate and CPU
    const pid = mosquittoPid(broker.port);
    const all = await client(broker.url, `bench-all-${process.pid}`);
    clients.push(all);
    let seen = 0, counting = false;
    all.on('message', () => counting && seen++);
    await all.subscribeAsync('#', { qos: 0 });
    await sleep(2_000); // the retained flood on subscribe
    counting = true;
    const brokerCpu = pid ? cpuMeter(pid) : undefined;
    await sleep(10_000);
    counting = false;
    const cpu = brokerCpu?.percent();
    await all.endAsync();
    console.log(`  broker: ${fmt(seen / 10, 0)} messages/s on # over 10 s; mosquitto CPU ${cpu === undefined ? 'unknown (pid not found)' : `${fmt(cpu, 1)}% of a core`}`);

    // -- cross-node rule latency while every node publishes
    const probe = await client(broker.url, `bench-rule-${process.pid}`);
    clients.push(probe);
    (probe.stream as unknown as { setNoDelay(b: boolean): void }).setNoDelay(true);
    const fact = `han/${id(2)}/button-0`, output = `han/${id(1)}/relay-0`;
    let pending: { state: string; sent: number; fact?: number; done: (r: { fromFact: number; fromSim: number }) => void } | undefined;
    probe.on('message', (topic, payload) => {
      if (!pending) return;
      let state: unknown;
      try {
        state = JSON.parse(payload.toString()).state;
      } catch {
        return;
      }
      if (state !== pending.state) return;
      const now = performance.now();
      if (topic === fact && pending.fact === undefined) pending.fact = now;
      else if (topic === output && pending.fact !== undefined) {
        const p = pending;
        pending = undefined;
        p.done({ fromFact: now - p.fact!, fromSim: now - p.sent });
      }
    });
    await probe.subscribeAsync([fact, output], { qos: 1 });
    await sleep(1_000);
    const fromFact: number[] = [], fromSim: number[] = [];
    let missed = 0;
    const toggles = Number(process.env.HOME_TOGGLES ?? 100);
    for (let k = 1; k <= toggles; k++) {
      const state = k % 2 ? 'ON' : 'OFF';
      try {
        const r = await new Promise<{ fromFact: number; fromSim: number }>((resolve, reject) => {
          const timer = setTimeout(() => ((pending = undefined), reject(new Error('timeout'))), 10_000);
          pending = { state, sent: performance.now(), done: (x) => (clearTimeout(timer), resolve(x)) };
          probe.publish(`han/${id(2)}/$sim/button-0/set`, JSON.stringify({ level: k % 2 }), { qos: 1 });
        });
        fromFact.push(r.fromFact);
        fromSim.push(r.fromSim);
      } catch {
        missed++;
      }
      if (k % 25 === 0) console.log(`  rule latency: ${k}/${toggles} toggles`);
      await sleep(150);
    }
    const lf = summarise(fromFact), ls = summarise(fromSim);
    console.log(`  cross-node rule, ${id(2)}'s fact published → ${id(1)}'s output state: p50 ${fmt(lf.p50)} ms, p99 ${fmt(lf.p99)} ms (n=${lf.n}${missed ? `, ${missed} missed` : ''}); from the $sim command: p50 ${fmt(ls.p50)} ms, p99 ${fmt(ls.p99)} ms`);
    await probe.endAsync();

    // -- RSS
    const bare = await spawnBare(broker.url);
    const bareRss = rssMiB(bare.child.pid!);
    await stop(bare.child);
    const total = agents.reduce((sum, a) => sum + rssMiB(a.pid!), 0);
    console.log(`  total RSS of the ${nodes} agents: ${fmt(total / 1024, 2)} GiB (${fmt(total / nodes, 1)} MiB each); ${nodes} × bare node + mqtt.js: ${fmt((nodes * bareRss) / 1024, 2)} GiB (${fmt(bareRss, 1)} MiB each); ratio ${fmt(total / (nodes * bareRss))}×`);

    console.log(`\nHome summary (${nodes} nodes × ${schemesPerNode} schemes): all online ${fmt(allOnline / 1000, 1)} s; discovery ${live}/${expected} configs in ${fmt(last, 0)} ms; rule p50/p99 ${fmt(lf.p50)}/${fmt(lf.p99)} ms; broker ${fmt(seen / 10, 0)} msg/s, ${cpu === undefined ? '?' : fmt(cpu, 1)}% CPU; RSS ${fmt(total / 1024, 2)} GiB vs ${fmt((nodes * bareRss) / 1024, 2)} GiB bare`);
  } finally {
    console.log(`  stopping ${agents.length} agents …`);
    for (const c of clients) c.end(true);
    for (let i = 0; i < agents.length; i += 10) await Promise.all(agents.slice(i, i + 10).map((a) => stop(a)));
    for (const a of agents) running.delete(a);
    await broker.stop();
    console.log('  stopped');
  }
}
