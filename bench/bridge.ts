/**
 * Bridge outage: a 10 Hz stream forwarded to a "cloud" Mosquitto (TLS, client certificates) that
 * goes away for a while. Meanwhile a real agent in the same process answers set → state round
 * trips on the local broker; their latency during the outage is set against the normal one.
 * Afterwards every message must reach the cloud, in order.
 *
 * `node --import tsx bench/bridge.ts [outage seconds]` runs it alone.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { Mosquitto } from '../test/helpers/mosquitto.js';
import { startAgent } from '../test/helpers/agent.js';
import { makeCerts } from '../test/bridge/certs.js';
import { startBridges } from '../test/bridge/fixtures.js';
import { summarise, fmt } from './lib.js';

export interface OutageOptions {
  /** How long the cloud is down. */
  outageMs?: number;
  /** How long latency is measured before the outage. */
  normalMs?: number;
  /** Messages per second forwarded. */
  hz?: number;
}

export interface OutageResult {
  outageS: number;
  hz: number;
  published: number;
  /** Distinct messages the cloud received, and how many arrived twice (at-least-once). */
  received: number;
  duplicates: number;
  inOrder: boolean;
  missing: number[];
  maxBacklog: number;
  /** From the cloud's return to the last message arriving. */
  catchUpS: number;
  normal: ReturnType<typeof summarise>;
  outage: ReturnType<typeof summarise>;
}

async function mqttClient(url: string, opts: Parameters<typeof connect>[1]): Promise<MqttClient> {
  const c = connect(url, { reconnectPeriod: 200, ...opts });
  await new Promise<void>((resolve, reject) => (c.once('connect', () => resolve()), c.once('error', reject)));
  // Nagle would add tens of ms to every loopback round trip.
  (c.stream as unknown as { setNoDelay?(b: boolean): void }).setNoDelay?.(true);
  return c;
}

/** Sequential set → state round trips on the local broker until `until()` says stop. */
async function roundTrips(c: MqttClient, node: string, until: () => boolean, gapMs = 20): Promise<number[]> {
  const samples: number[] = [];
  const stateTopic = `han/${node}/fan`;
  let pending: { want: string; t: bigint; done: () => void } | undefined;
  const onMessage = (topic: string, p: Buffer) => {
    if (topic !== stateTopic || !pending) return;
    if (JSON.parse(p.toString()).state !== pending.want) return;
    samples.push(Number(process.hrtime.bigint() - pending.t) / 1e6);
    const done = pending.done;
    pending = undefined;
    done();
  };
  c.on('message', onMessage);
  await c.subscribeAsync(stateTopic, { qos: 1 });
  for (let i = 0; !until(); i++) {
    const want = i % 2 ? 'OFF' : 'ON';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no state ${want} within 5 s`)), 5_000);
      pending = { want, t: process.hrtime.bigint(), done: () => (clearTimeout(timer), resolve()) };
      c.publish(`han/${node}/fan/set`, want, { qos: 1 });
    });
    await new Promise((r) => setTimeout(r, gapMs));
  }
  c.off('message', onMessage);
  await c.unsubscribeAsync(stateTopic);
  return samples;
}

export async function benchBridgeOutage(opts: OutageOptions = {}): Promise<OutageResult> {
  const outageMs = opts.outageMs ?? 20_000;
  const normalMs = opts.normalMs ?? 10_000;
  const hz = opts.hz ?? 10;
  const node = 'bench-pi';
  const certs = makeCerts();
  const local = await Mosquitto.start();
  const cloud = await Mosquitto.start({ persistence: true, tls: { ca: certs.ca, cert: certs.serverCert, key: certs.serverKey, requireCertificate: true } });
  const tls = { ca: readFileSync(certs.ca), cert: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) };
  // A persistent session: what the bridge sends while this client is still reconnecting waits for it.
  const subscriber = await mqttClient(cloud.url, { ...tls, clientId: 'bench-cloud-sub', clean: false, protocolVersion: 4 });
  const arrived: number[] = [];
  let lastAt = 0;
  subscriber.on('message', (_t, p) => {
    arrived.push(JSON.parse(p.toString()).n);
    lastAt = Date.now();
  });
  await subscriber.subscribeAsync('cloud/#', { qos: 1 });

  const { agent } = await startAgent({ url: local.url, node, schemes: { 'fan.yaml': 'outputs:\n  - id: fan\n    driver: gpio-out\n    pin: 27\n' } });
  const dataDir = mkdtempSync(join(tmpdir(), 'hanode-bench-bridge-'));
  const bridges = await startBridges(
    local.url,
    [{ id: 'cloud', type: 'mqtt', url: cloud.url, ca: certs.ca, cert: certs.clientCert, key: certs.clientKey, forward: [{ from: 'han/+/counter', to: 'cloud/{node}/{id}' }], retry: { min: '200ms', max: '1s' } }],
    { dataDir },
  );
  const driver = await mqttClient(local.url, { clientId: 'bench-driver' });
  const source = await mqttClient(local.url, { clientId: 'bench-source' });

  let n = 0;
  let maxBacklog = 0;
  const ticker = setInterval(() => {
    source.publish('han/pub-pi/counter', JSON.stringify({ n: n++, ts: new Date().toISOString() }), { qos: 1 });
    maxBacklog = Math.max(maxBacklog, bridges.service.status()[0].backlog);
  }, 1000 / hz);

  try {
    // Warm up (JIT, first connections) before anything is measured.
    await roundTrips(driver, node, (() => { const t = Date.now() + 2_000; return () => Date.now() > t; })());
    let end = Date.now() + normalMs;
    const normal = await roundTrips(driver, node, () => Date.now() > end);
    await cloud.stop();
    end = Date.now() + outageMs;
    const outage = await roundTrips(driver, node, () => Date.now() > end);
    await cloud.start();
    const back = Date.now();
    // A little more traffic after the return, then stop and wait for the last one.
    await new Promise((r) => setTimeout(r, 1_000));
    clearInterval(ticker);
    const published = n;
    const deadline = Date.now() + 60_000;
    while (new Set(arrived).size < published && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));

    const firsts: number[] = [];
    const seen = new Set<number>();
    for (const v of arrived) if (!seen.has(v)) (seen.add(v), firsts.push(v));
    const missing = Array.from({ length: published }, (_, i) => i).filter((i) => !seen.has(i));
    return {
      outageS: outageMs / 1000,
      hz,
      published,
      received: seen.size,
      duplicates: arrived.length - seen.size,
      inOrder: firsts.every((v, i) => i === 0 || v > firsts[i - 1]),
      missing: missing.slice(0, 20),
      maxBacklog,
      catchUpS: (lastAt - back) / 1000,
      normal: summarise(normal),
      outage: summarise(outage),
    };
  } finally {
    clearInterval(ticker);
    await bridges.stop();
    await agent.stop();
    await Promise.all([driver.endAsync(true), source.endAsync(true), subscriber.endAsync(true)]);
    await cloud.stop();
    await local.stop();
  }
}

export function printBridgeOutage(r: OutageResult): void {
  console.log(`\nBridge outage: ${r.hz} Hz forwarded over TLS, the cloud down for ${r.outageS} s`);
  console.log(`  published ${r.published}, received ${r.received} (${r.duplicates} twice), in order: ${r.inOrder ? 'yes' : 'NO'}, missing: ${r.missing.length ? r.missing.join(', ') : 'none'}`);
  console.log(`  backlog at most ${r.maxBacklog}; all arrived ${fmt(r.catchUpS, 1)} s after the cloud came back`);
  console.log('  local set → state (ms)'.padEnd(28) + 'p50'.padStart(8) + 'p99'.padStart(8) + 'n'.padStart(8));
  console.log('  cloud up'.padEnd(28) + fmt(r.normal.p50).padStart(8) + fmt(r.normal.p99).padStart(8) + String(r.normal.n).padStart(8));
  console.log('  cloud down'.padEnd(28) + fmt(r.outage.p50).padStart(8) + fmt(r.outage.p99).padStart(8) + String(r.outage.n).padStart(8));
  console.log(`  p99 during the outage / normal p99: ${fmt(r.outage.p99 / r.normal.p99)}×`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const seconds = Number(process.argv[2] ?? 20);
  printBridgeOutage(await benchBridgeOutage({ outageMs: seconds * 1000 }));
}
