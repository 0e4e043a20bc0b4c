/**
 * The discovery service over a real broker (a private Mosquitto): configs are retained, sent
 * again when Home Assistant says `online` (and the states asked for after them), cleared when a
 * scheme goes, and leftovers of an earlier run are cleared at start; a scheme with `discovery: false`
 * has its configs cleared. Then, without a broker:
 * `discovery: false` publishes nothing, and `sync` only sends what changed.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { useBroker } from '../helpers/broker-fixture.js';
import { Probe } from '../helpers/probe.js';
import { EventBus } from '../../src/core/bus.js';
import { silentLogger } from '../../src/core/log.js';
import { topicsFor } from '../../src/core/topics.js';
import { MqttLink } from '../../src/mqtt/link.js';
import { loadSchemeDir } from '../../src/schemes/loader.js';
import { Discovery, type DiscoveredScheme, type DiscoveryLink } from '../../src/discovery/index.js';
import { allProblems } from './rules.js';
import { builtins } from '../helpers/drivers.js';

const SCHEMES = fileURLToPath(new URL('../../schemes', import.meta.url));
const NODE = 'disco-pi';
const topics = topicsFor('han', NODE);
const registry = builtins;
const expect = { base: 'han', node: NODE, version: '1.2.3' };

const broker = useBroker({ probe: false });
let examples: DiscoveredScheme[];

before(async () => {
  const loaded = await loadSchemeDir(SCHEMES, registry);
  examples = [...loaded.inputs, ...loaded.outputs];
});

/** Retained configs a fresh subscriber gets: topic → parsed config (empty ones left out). */
async function retainedConfigs(): Promise<Map<string, Record<string, unknown>>> {
  const probe = await Probe.connect(broker.url, `homeassistant/+/${NODE}/+/config`);
  await new Promise((r) => setTimeout(r, 300));
  await probe.close();
  const out = new Map<string, Record<string, unknown>>();
  for (const m of probe.messages) if (m.retain && m.payload) out.set(m.topic, JSON.parse(m.payload));
  return out;
}

async function startLink(): Promise<MqttLink> {
  const link = new MqttLink({
    url: broker.url,
    clientId: `disco-${Math.random().toString(16).slice(2)}`,
    will: { topic: topics.status, payload: 'offline', retain: true, qos: 1 },
    log: silentLogger,
  });
  await link.start();
  return link;
}

test('configs are retained, sent again after homeassistant/status online, and cleared when a scheme goes', async () => {
  // A config left by an earlier run, for a scheme this node no longer has.
  const seed = await Probe.connect(broker.url, 'nothing/#');
  await seed.publish(`homeassistant/sensor/${NODE}/old-probe_temperature/config`, '{"name":"old"}', { retain: true });
  await seed.close();

  const link = await startLink();
  let schemes = [...examples];
  let statesAsked = 0;
  const bus = new EventBus(silentLogger);
  const discovery = new Discovery({
    link,
    bus,
    topics,
    registry,
    log: silentLogger,
    schemes: () => schemes,
    nodeInfo: { version: '1.2.3', model: 'Raspberry Pi 5 Model B Rev 1.0' },
    republishStates: () => void statesAsked++,
    statesDelayMs: 50,
  });
  const watcher = await Probe.connect(broker.url, 'homeassistant/#');
  try {
    await discovery.start();
    const expected = discovery.configs();
    assert.ok(expected.length >= 13, 'one config per field of the example schemes');

    // The leftover is cleared (when its retained copy comes in, some time after start).
    await watcher.waitFor(`homeassistant/sensor/${NODE}/old-probe_temperature/config`, (p) => p === '');
    // Retained: a subscriber arriving later gets every config, each following the rules.
    let retained = await retainedConfigs();
    assert.deepEqual([...retained.keys()].sort(), expected.map((c) => c.topic).sort());
    assert.deepEqual(allProblems([...retained].map(([topic, config]) => ({ topic, config })), expect), []);

    // Home Assistant restarts: every config again, then the states.
    const mark = watcher.mark();
    await watcher.publish('homeassistant/status', 'online');
    await Promise.all(expected.map((c) => watcher.waitFor(c.topic, (p) => p === JSON.stringify(c.config), 5_000, mark)));
    const deadline = Date.now() + 3_000;
    while (statesAsked === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(statesAsked, 1);
    // Anything else on homeassistant/status is not a reason to republish.
    const quiet = watcher.mark();
    await watcher.publish('homeassistant/status', 'offline');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(watcher.messages.slice(quiet).filter((m) => m.topic.endsWith('/config')).length, 0);

    // A scheme removed from the set (a reload) has its config emptied.
    const fan = `homeassistant/switch/${NODE}/kitchen-fan_state/config`;
    const removed = watcher.mark();
    schemes = schemes.filter((s) => s.id !== 'kitchen-fan');
    bus.emit('schemesChanged', {});
    await watcher.waitFor(fan, (p) => p === '', 5_000, removed);
    // Only the removal was sent: nothing else changed.
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(watcher.messages.slice(removed).filter((m) => m.topic.endsWith('/config')).map((m) => m.topic), [fan]);

    // remove(id) empties every config of that scheme.
    await discovery.remove('kitchen-climate');
    retained = await retainedConfigs();
    assert.equal(retained.size, expected.length - 1 - 3);
    assert.ok(![...retained.keys()].some((t) => t.includes('kitchen-climate_') || t.includes('kitchen-fan_')));
  } finally {
    await discovery.stop();
    await watcher.close();
    await link.stop();
  }
});

test('discovery: false on a scheme clears its retained configs, left from an earlier run or published a moment ago', async () => {
  const motion = `homeassistant/binary_sensor/${NODE}/hall-motion_state/config`;
  const fan = `homeassistant/switch/${NODE}/kitchen-fan_state/config`;
  // The config an earlier run published, when hall-motion still had discovery on.
  const seed = await Probe.connect(broker.url, 'nothing/#');
  await seed.publish(motion, '{"name":"Hall motion"}', { retain: true });
  await seed.close();

  const off = (s: DiscoveredScheme) => ({ ...s, options: { ...s.options, discovery: false } });
  let schemes = examples.map((s) => (s.id === 'hall-motion' ? off(s) : s));
  const link = await startLink();
  const bus = new EventBus(silentLogger);
  const discovery = new Discovery({ link, bus, topics, registry, log: silentLogger, schemes: () => schemes, nodeInfo: { version: '1.2.3' } });
  const watcher = await Probe.connect(broker.url, 'homeassistant/#');
  try {
    await discovery.start();
    await watcher.waitFor(motion, (p) => p === '');
    assert.ok(!discovery.configs().some((c) => c.scheme === 'hall-motion'));
    let retained = await retainedConfigs();
    assert.equal(retained.has(motion), false);
    assert.ok(retained.has(fan));

    // Turned off while running (a scheme file edited and reloaded): its config is cleared.
    const mark = watcher.mark();
    schemes = schemes.map((s) => (s.id === 'kitchen-fan' ? off(s) : s));
    bus.emit('schemesChanged', {});
    await watcher.waitFor(fan, (p) => p === '', 5_000, mark);
    retained = await retainedConfigs();
    assert.equal(retained.has(fan), false);
  } finally {
    await discovery.stop();
    await watcher.close();
    await link.stop();
  }
});

/** Records what is published and lets a test deliver messages to the subscribers. */
function fakeLink() {
  const published: { topic: string; payload: string; retain: boolean }[] = [];
  const subscriptions: string[] = [];
  const link: DiscoveryLink = {
    publish: async (topic, payload, opts) => void published.push({ topic, payload, retain: opts.retain }),
    subscribe: (filter) => void subscriptions.push(filter),
  };
  return { link, published, subscriptions };
}

test('homeassistant.discovery: false publishes and subscribes to nothing', async () => {
  const { link, published, subscriptions } = fakeLink();
  const bus = new EventBus(silentLogger);
  const discovery = new Discovery({ link, bus, topics, registry, log: silentLogger, schemes: () => examples, nodeInfo: { version: '1' }, enabled: false });
  await discovery.start();
  bus.emit('schemesChanged', {});
  await discovery.publishAll();
  await discovery.remove('kitchen-fan');
  await discovery.stop();
  assert.deepEqual(published, []);
  assert.deepEqual(subscriptions, []);
});

test('sync sends only new and changed configs; a changed prefix is honoured', async () => {
  const { link, published, subscriptions } = fakeLink();
  const bus = new EventBus(silentLogger);
  let schemes: DiscoveredScheme[] = examples.filter((s) => s.id === 'water-tank');
  const discovery = new Discovery({ link, bus, topics, registry, log: silentLogger, schemes: () => schemes, nodeInfo: { version: '1' }, prefix: 'ha' });
  await discovery.start();
  assert.deepEqual(subscriptions, ['ha/status', `ha/+/${NODE}/+/config`]);
  const node = published.filter((p) => p.topic.includes('/_node_')).length;
  assert.equal(node, 5, "the node's own entities");
  assert.deepEqual(published.filter((p) => !p.topic.includes('/_node_')).map((p) => [p.topic, p.retain]), [[`ha/sensor/${NODE}/water-tank_temperature/config`, true]]);

  published.length = 0;
  await discovery.sync();
  assert.deepEqual(published as unknown[], [], 'nothing changed');

  schemes = [{ ...schemes[0]!, options: { ...schemes[0]!.options, name: 'Tank' } }, ...examples.filter((s) => s.id === 'hall-motion')];
  await discovery.sync();
  assert.deepEqual(published.map((p) => p.topic).sort(), [`ha/binary_sensor/${NODE}/hall-motion_state/config`, `ha/sensor/${NODE}/water-tank_temperature/config`]);
  assert.equal(JSON.parse(published.find((p) => p.topic.includes('water-tank'))!.payload).name, 'Tank');

  published.length = 0;
  await discovery.publishAll();
  assert.equal(published.length, 2 + node, 'publishAll sends everything');
  await discovery.stop();
});
