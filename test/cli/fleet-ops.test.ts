/**
 * `hanode fleet request` and `hanode fleet purge` (README "Many Pis") over a private Mosquitto
 * with real agents: a request to one node and to all, with the count of answers and a node that
 * stays silent; a retired node's retained topics and discovery configs cleared, another
 * integration's config with the same node id left alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'mqtt';
import { useBroker } from '../helpers/broker-fixture.js';
import { Probe } from '../helpers/probe.js';
import { startAgent } from '../helpers/agent.js';
import { hanode } from './hanode.js';
import type { Agent } from '../../src/agent/agent.js';
import { describeAnswers, fleetRequest, purgeNode } from '../../src/cli/fleet-ops.js';

const broker = useBroker({ probe: ['han/#', 'homeassistant/#'] });
const agents: Agent[] = [];
const FAN = 'outputs:\n  - { id: fan, driver: gpio-out, pin: 27 }\ninputs:\n  - { id: climate, driver: bme280, interval: 1h }\n';
const target = () => ({ url: broker.url, base: 'han' });

broker.before(async () => {
  for (const [node, remote] of [['ops-a', true], ['ops-b', false], ['ops-old', false]] as const) {
    const { agent } = await startAgent({ url: broker.url, node, schemes: { 'fan.yaml': FAN }, config: { management: { remote } } });
    agents.push(agent);
    await broker.probe.waitFor(`han/${node}/status`, (p) => p === 'online');
    await broker.probe.waitFor(`homeassistant/switch/${node}/fan_state/config`, (p) => p !== '');
  }
});

broker.after(async () => {
  for (const a of agents) await a.stop();
});

test('a request to one node prints its answer', async () => {
  const r = await fleetRequest({ ...target(), op: 'health', args: {}, nodes: ['ops-a'], timeoutMs: 5_000 });
  assert.deepEqual(r.asked, ['ops-a']);
  assert.equal(r.answers['ops-a']!.status, 'ok');
  assert.equal((r.answers['ops-a']!.data as { connection: { connected: boolean } }).connection.connected, true);
  assert.match(describeAnswers(r, 5_000), /^ops-a  ok     \{.*"connected":true.*\}\n1 of 1 node\(s\) answered health\n$/);
});

test('a request to all nodes asks every node seen and counts the answers; a write is refused where remote is off', async () => {
  const r = await fleetRequest({ ...target(), op: 'log_level', args: { level: 'warn' }, timeoutMs: 5_000, discoverMs: 500 });
  assert.deepEqual([...r.asked].sort(), ['ops-a', 'ops-b', 'ops-old']);
  assert.equal(r.answers['ops-a']!.status, 'ok');
  assert.equal(r.answers['ops-b']!.status, 'error');
  assert.match(r.answers['ops-b']!.error!, /refused/);
  assert.deepEqual(r.missing, []);
  assert.match(describeAnswers(r, 5_000), /3 of 3 node\(s\) answered log_level/);
});

test('a node that does not answer is reported after the timeout', async () => {
  const r = await fleetRequest({ ...target(), op: 'health', args: {}, nodes: ['ops-a', 'ghost'], timeoutMs: 1_000 });
  assert.deepEqual(r.missing, ['ghost']);
  const text = describeAnswers(r, 1_000);
  assert.match(text, /ghost  no answer within 1000 ms/);
  assert.match(text, /1 of 2 node\(s\) answered health/);
});

test('hanode fleet request prints the answers and exits 1 when a node is silent', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'hanode-fleet-req-'));
  const ok = await hanode(['fleet', 'request', '--node', 'ops-a', '--mqtt', broker.url, 'scheme/get', '{"file":"fan.yaml"}'], { cwd });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^ops-a  ok     \{"file":"fan.yaml","yaml":"outputs:/);
  assert.match(ok.stdout, /1 of 1 node\(s\) answered scheme\/get/);
  const json = await hanode(['fleet', 'request', '--node', 'nobody', '--timeout', '500ms', '--json', '--mqtt', broker.url, 'health'], { cwd });
  assert.equal(json.code, 1);
  assert.deepEqual(JSON.parse(json.stdout).missing, ['nobody']);
  const usage = await hanode(['fleet', 'request', '--mqtt', broker.url, 'health'], { cwd });
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /either --node <id> or --all/);
  const badJson = await hanode(['fleet', 'request', '--all', '--mqtt', broker.url, 'read', '{id:'], { cwd });
  assert.equal(badJson.code, 2);
  assert.match(badJson.stderr, /the request's JSON: .*e\.g\./);
});

test("purge refuses an online node, then clears a retired node's retained topics and discovery configs only", async () => {
  // Another integration (ESPHome-like) using the same node id in its discovery topics.
  const other = connect(broker.url);
  await new Promise((resolve) => other.once('connect', resolve));
  await other.publishAsync('homeassistant/sensor/ops-old/esp_temp/config', JSON.stringify({ state_topic: 'esp/ops-old/temp', device: { identifiers: ['esp_ops-old'] } }), { retain: true, qos: 1 });
  await other.endAsync();

  const online = await purgeNode({ ...target(), node: 'ops-old', prefix: 'homeassistant', waitMs: 500 });
  assert.match(online.refused!, /online; .*--force/);

  await agents[2]!.stop();
  await broker.probe.waitFor('han/ops-old/status', (p) => p === 'offline');
  // An offline node is not asked by --all, and is listed as such.
  const all = await fleetRequest({ ...target(), op: 'health', args: {}, timeoutMs: 5_000, discoverMs: 500 });
  assert.deepEqual([...all.asked].sort(), ['ops-a', 'ops-b']);
  assert.deepEqual(all.offline, ['ops-old']);
  assert.match(describeAnswers(all, 5_000), /2 of 2 node\(s\) answered health\nnot asked, offline: ops-old\n$/);
  const dry = await purgeNode({ ...target(), node: 'ops-old', prefix: 'homeassistant', waitMs: 500, dryRun: true });
  assert.ok(dry.cleared.includes('han/ops-old/status'));
  assert.ok(dry.cleared.includes('han/ops-old/$info'));
  assert.ok(dry.cleared.includes('homeassistant/switch/ops-old/fan_state/config'));
  assert.ok(dry.cleared.includes('han/ops-old/climate/availability'));
  assert.ok(!dry.cleared.includes('homeassistant/sensor/ops-old/esp_temp/config'), 'not hanode\'s config');
  assert.ok(dry.cleared.every((t) => t.startsWith('han/ops-old/') || t.startsWith('homeassistant/')), dry.cleared.join());

  const cwd = mkdtempSync(join(tmpdir(), 'hanode-fleet-purge-'));
  const r = await hanode(['fleet', 'purge', 'ops-old', '--wait', '500ms', '--mqtt', broker.url], { cwd });
  assert.equal(r.code, 0, r.stderr);
  for (const topic of dry.cleared) assert.ok(r.stdout.includes(`cleared ${topic}\n`), topic);
  assert.match(r.stdout, new RegExp(`${dry.cleared.length} retained topic\\(s\\) of ops-old cleared`));

  // A fresh subscriber sees nothing retained of the node any more; the other nodes and the other integration keep theirs.
  const after = await Probe.connect(broker.url, ['han/#', 'homeassistant/#']);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const topics = after.messages.map((m) => m.topic);
  await after.close();
  assert.deepEqual(topics.filter((t) => t.includes('ops-old') && !t.includes('esp_temp')), []);
  assert.ok(topics.includes('homeassistant/sensor/ops-old/esp_temp/config'));
  assert.ok(topics.includes('han/ops-a/status'));
  assert.ok(topics.includes('homeassistant/switch/ops-a/fan_state/config'));

  const again = await purgeNode({ ...target(), node: 'ops-old', prefix: 'homeassistant', waitMs: 300 });
  assert.deepEqual(again.cleared, []);
});
