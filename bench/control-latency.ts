/**
 * Control latency: publish `…/set`, wait for the published state. The baseline is a bare mqtt.js
 * relay (subscribe, republish) in a process of its own, as hanode is, on the same broker in the
 * same run: the floor any agent sits on. (A relay inside the measuring process would save the
 * wake-up of a second process on every round trip, which no agent can.)
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { connect, type MqttClient } from 'mqtt';
import { startAgentProcess, stopProcess, summarise, rssMiB, fmt } from './lib.js';

async function client(url: string, id: string): Promise<MqttClient> {
  const c = connect(url, { clientId: id });
  await new Promise<void>((resolve, reject) => (c.once('connect', () => resolve()), c.once('error', reject)));
  (c.stream as unknown as { setNoDelay(b: boolean): void }).setNoDelay(true);
  return c;
}

/** Sends `n` commands one after another and times each round trip to the state topic. */
async function roundTrips(c: MqttClient, setTopic: string, stateTopic: string, n: number, payload: (i: number) => string, matches: (p: string, i: number) => boolean) {
  const samples: number[] = [];
  let pending: { i: number; t: bigint; resolve: () => void } | undefined;
  c.on('message', (topic, p) => {
    if (topic === stateTopic && pending && matches(p.toString(), pending.i)) {
      samples.push(Number(process.hrtime.bigint() - pending.t) / 1e6);
      const done = pending.resolve;
      pending = undefined;
      done();
    }
  });
  await c.subscribeAsync(stateTopic, { qos: 1 });
  for (let i = 0; i < n; i++) {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no state for command ${i}`)), 5_000);
      pending = { i, t: process.hrtime.bigint(), resolve: () => (clearTimeout(timer), resolve()) };
      c.publish(setTopic, payload(i), { qos: 1 });
    });
  }
  await c.unsubscribeAsync(stateTopic);
  c.removeAllListeners('message');
  return summarise(samples);
}

export async function benchControlLatency(url: string, n = 2_000) {
  // Baseline: a relay that turns every set into a state, nothing else.
  const relay = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { connect } from 'mqtt';
       const c = connect(${JSON.stringify(url)}, { clientId: 'bench-relay' });
       c.on('connect', async () => {
         c.stream.setNoDelay(true);
         await c.subscribeAsync('bench/relay/set', { qos: 1 });
         c.on('message', (_t, p) => c.publish('bench/relay/state', JSON.stringify({ state: p.toString(), ts: new Date().toISOString() }), { qos: 1, retain: true }));
         console.log('up');
       });`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => (relay.stdout!.once('data', () => resolve()), relay.once('exit', (code) => reject(new Error(`relay exited with ${code}`)))));
  const driver = await client(url, 'bench-driver');
  const states = ['ON', 'OFF'];
  const baseline = await roundTrips(driver, 'bench/relay/set', 'bench/relay/state', n, (i) => states[i % 2], (p, i) => JSON.parse(p).state === states[i % 2]);
  await stopProcess(relay);

  const dir = mkdtempSync(join(tmpdir(), 'hanode-bench-'));
  mkdirSync(join(dir, 'schemes'));
  writeFileSync(join(dir, 'schemes', 'fan.yaml'), 'outputs:\n  - id: fan\n    driver: gpio-out\n    pin: 27\n');
  const agent = await startAgentProcess(url, 'bench', ['--hardware', 'sim', '--schemes', join(dir, 'schemes'), '--data', join(dir, 'data'), '--log-level', 'warn']);
  await new Promise((r) => setTimeout(r, 300));
  const hanode = await roundTrips(driver, 'han/bench/fan/set', 'han/bench/fan', n, (i) => states[i % 2], (p, i) => JSON.parse(p).state === states[i % 2]);
  const rss = rssMiB(agent.pid!);
  await stopProcess(agent);
  await driver.endAsync();
  return { baseline, hanode, rss };
}

export function printControlLatency(r: Awaited<ReturnType<typeof benchControlLatency>>) {
  console.log(`\nControl latency, set → published state, ${r.hanode.n} commands one at a time (ms)`);
  console.log('  '.padEnd(28) + 'p50'.padStart(8) + 'p99'.padStart(8) + 'mean'.padStart(8));
  console.log('  bare mqtt.js relay'.padEnd(28) + fmt(r.baseline.p50).padStart(8) + fmt(r.baseline.p99).padStart(8) + fmt(r.baseline.mean).padStart(8));
  console.log('  hanode gpio-out (sim)'.padEnd(28) + fmt(r.hanode.p50).padStart(8) + fmt(r.hanode.p99).padStart(8) + fmt(r.hanode.mean).padStart(8));
  console.log(`  hanode RSS after the run: ${fmt(r.rss, 1)} MiB`);
}
