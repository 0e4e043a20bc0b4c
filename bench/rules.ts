/**
 * Rule latency: a fact changes, how long until the rule's action is on the broker.
 *
 * The fact is a remote one (`bench-src/temp`, published by the bench client on
 * `han/bench-src/temp`), so no sim polling interval sits in the figure. The measured rule
 * (`probe`) fires `then` above 25 °C and `else` below, and its action publishes `then`/`else` on
 * `bench/rule/out`; the bench alternates 20 and 30 °C, one change at a time, and times each
 * change to the action's arrival. The other N-1 rules are load:
 *
 * - **same fact**: they read `bench-src/temp` too (a threshold never crossed), so every change
 *   evaluates all N rules: the engine's cost per rule;
 * - **distinct facts**: each reads its own `bench-src/t<i>`, which never changes, so a change
 *   evaluates one rule: what N rules cost when they watch other things (N-1 more subscriptions).
 *
 * One more row sets a local gpio-out (sim) instead, timed to its state topic: the path through
 * the output and the outbox. The baseline is a bare mqtt.js relay (subscribe, republish) on the
 * same broker in the same run.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { startAgentProcess, stopProcess, summarise, rssMiB, fmt } from './lib.js';

type Summary = ReturnType<typeof summarise>;

async function client(url: string, id: string): Promise<MqttClient> {
  const c = connect(url, { clientId: id });
  await new Promise<void>((resolve, reject) => (c.once('connect', () => resolve()), c.once('error', reject)));
  (c.stream as unknown as { setNoDelay(b: boolean): void }).setNoDelay(true);
  return c;
}

const FACT_TOPIC = 'han/bench-src/temp';
const OUT_TOPIC = 'bench/rule/out';
const temperature = (i: number) => (i % 2 === 0 ? 30 : 20);
const firing = (i: number) => (i % 2 === 0 ? 'then' : 'else');

/**
 * At most one change per 60 ms: loop damping pauses a rule that fires more than 20 times within
 * a second (a rule feeding itself looks like that), and the probe rule fires at every change.
 */
const PACE_MS = 60;

/**
 * Publishes `n + warmup` fact changes one after another, {@link PACE_MS} apart at least, and
 * times each to the first message on `outTopic` that `matches` it. The first `warmup` are not
 * counted.
 */
async function changes(c: MqttClient, outTopic: string, n: number, warmup: number, matches: (p: string, i: number) => boolean): Promise<Summary> {
  const samples: number[] = [];
  let pending: { i: number; t: bigint; resolve: () => void } | undefined;
  const onMessage = (topic: string, p: Buffer) => {
    if (topic !== outTopic || !pending || !matches(p.toString(), pending.i)) return;
    const { i, t, resolve } = pending;
    pending = undefined;
    if (i >= warmup) samples.push(Number(process.hrtime.bigint() - t) / 1e6);
    resolve();
  };
  c.on('message', onMessage);
  await c.subscribeAsync(outTopic, { qos: 1 });
  try {
    let last = 0;
    for (let i = 0; i < n + warmup; i++) {
      const wait = last + PACE_MS - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      last = Date.now();
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no action on ${outTopic} for change ${i}`)), 10_000);
        pending = { i, t: process.hrtime.bigint(), resolve: () => (clearTimeout(timer), resolve()) };
        c.publish(FACT_TOPIC, JSON.stringify({ temperature: temperature(i), ts: new Date().toISOString() }), { qos: 1 });
      });
    }
  } finally {
    c.removeListener('message', onMessage);
    await c.unsubscribeAsync(outTopic);
  }
  return summarise(samples);
}

/** A scheme file: the probe rule, then `n - 1` load rules. */
function rulesYaml(n: number, layout: 'same' | 'distinct', action: 'publish' | 'set'): string {
  const lines = ['rules:'];
  lines.push('  - id: probe', '    when: { fact: bench-src/temp, path: $.temperature, operator: greaterThan, value: 25 }');
  if (action === 'publish') {
    lines.push(`    then: [ { publish: { topic: ${OUT_TOPIC}, payload: then } } ]`, `    else: [ { publish: { topic: ${OUT_TOPIC}, payload: else } } ]`);
  } else {
    lines.push('    then: [ { set: { output: fan, value: "ON" } } ]', '    else: [ { set: { output: fan, value: "OFF" } } ]');
  }
  for (let i = 1; i < n; i++) {
    const fact = layout === 'same' ? 'bench-src/temp' : `bench-src/t${i}`;
    lines.push(
      `  - id: load-${i}`,
      `    when: { fact: ${fact}, path: $.temperature, operator: greaterThan, value: ${1_000 + i} }`,
      `    then: [ { publish: { topic: bench/rule/load, payload: "${i}" } } ]`,
    );
  }
  if (action === 'set') lines.push('outputs:', '  - id: fan', '    driver: gpio-out', '    pin: 27');
  return `${lines.join('\n')}\n`;
}

export interface RuleCase {
  rules: number;
  layout: 'same' | 'distinct';
  action: 'publish' | 'set';
  latency: Summary;
  startMs: number;
  rss: number;
}

async function hanodeCase(url: string, driver: MqttClient, rules: number, layout: 'same' | 'distinct', action: 'publish' | 'set', n: number, warmup: number): Promise<RuleCase> {
  const dir = mkdtempSync(join(tmpdir(), 'hanode-bench-rules-'));
  mkdirSync(join(dir, 'schemes'));
  writeFileSync(join(dir, 'schemes', 'rules.yaml'), rulesYaml(rules, layout, action));
  const started = Date.now();
  const agent = await startAgentProcess(url, 'bench-rules', ['--hardware', 'sim', '--schemes', join(dir, 'schemes'), '--data', join(dir, 'data'), '--log-level', 'warn']);
  const startMs = Date.now() - started;
  try {
    // The rules subscribe to their remote facts during start; let the SUBACKs come back.
    await new Promise((r) => setTimeout(r, 300));
    const latency =
      action === 'publish'
        ? await changes(driver, OUT_TOPIC, n, warmup, (p, i) => p === firing(i))
        : await changes(driver, 'han/bench-rules/fan', n, warmup, (p, i) => JSON.parse(p).state === (temperature(i) > 25 ? 'ON' : 'OFF'));
    return { rules, layout, action, latency, startMs, rss: rssMiB(agent.pid!) };
  } finally {
    await stopProcess(agent);
  }
}

export async function benchRules(url: string, opts: { n?: number; warmup?: number; sizes?: number[] } = {}) {
  const n = opts.n ?? 300;
  const warmup = opts.warmup ?? 20;
  const sizes = opts.sizes ?? [10, 100, 1_000];
  const driver = await client(url, 'bench-rules-driver');
  try {
    // Baseline: a relay that turns every fact change into an action, nothing else.
    const relay = await client(url, 'bench-rules-relay');
    await relay.subscribeAsync(FACT_TOPIC, { qos: 1 });
    relay.on('message', (_t, p) => relay.publish(OUT_TOPIC, JSON.parse(p.toString()).temperature > 25 ? 'then' : 'else', { qos: 1 }));
    const baseline = await changes(driver, OUT_TOPIC, n, warmup, (p, i) => p === firing(i));
    await relay.endAsync();

    const cases: RuleCase[] = [];
    for (const layout of ['same', 'distinct'] as const) {
      for (const size of sizes) cases.push(await hanodeCase(url, driver, size, layout, 'publish', n, warmup));
    }
    cases.push(await hanodeCase(url, driver, sizes[0]!, 'same', 'set', n, warmup));
    return { n, baseline, cases };
  } finally {
    await driver.endAsync();
  }
}

export function printRules(r: Awaited<ReturnType<typeof benchRules>>) {
  console.log(`\nRule latency, remote fact change → published action, ${r.n} changes one at a time, ≥${PACE_MS} ms apart (ms)`);
  console.log('  '.padEnd(44) + 'p50'.padStart(8) + 'p99'.padStart(8) + 'mean'.padStart(8) + 'start'.padStart(9) + 'RSS'.padStart(9));
  const row = (label: string, s: Summary, extra = '') => console.log(`  ${label}`.padEnd(44) + fmt(s.p50).padStart(8) + fmt(s.p99).padStart(8) + fmt(s.mean).padStart(8) + extra);
  row('bare mqtt.js relay', r.baseline);
  for (const c of r.cases) {
    const what = c.action === 'publish' ? `${c.rules} rules, ${c.layout === 'same' ? 'same fact' : 'distinct facts'}` : `${c.rules} rules, set gpio-out → state`;
    row(`hanode, ${what}`, c.latency, `${c.startMs.toString().padStart(7)}ms${fmt(c.rss, 1).padStart(6)}MiB`);
  }
  console.log('  same fact: every change evaluates all N rules; distinct facts: it evaluates one, the other N-1 watch facts that never change.');
  console.log('  start: spawn to status online; RSS after the run.');
}
