/**
 * Issue 17, acceptance 1: a real agent runs every example scheme of schemes/ under sim against a
 * private Mosquitto, with its HTTP server on. Every discovery config it leaves retained must pass
 * Home Assistant's MQTT discovery schema for its component (test/discovery/ha-schema.ts: required
 * keys, device classes, state classes and units per device class) and hanode's own rules; the
 * examples include a motion sensor, a water meter with a unit, a PWM light and overrides; the
 * node's own entities are there; and each entity's template finds its value in what the agent
 * really publishes on its state topic.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { freePort, Mosquitto } from '../helpers/mosquitto.js';
import { useBroker } from '../helpers/broker-fixture.js';
import { Probe } from '../helpers/probe.js';
import { startAgent } from '../helpers/agent.js';
import type { Agent } from '../../src/agent/agent.js';
import { homepage, version } from '../../src/version.js';
import { allProblems } from '../discovery/rules.js';
import { jsonPath } from '../discovery/ha-schema.js';

const N = 'ha-pi';
const SCHEMES = fileURLToPath(new URL('../../schemes', import.meta.url));
const broker = useBroker({ probe: false });
let agent: Agent;
let port: number;
/** Discovery topic → config, as a subscriber arriving after start-up gets them (retained). */
let configs: Map<string, Record<string, any>>;
/** Every other retained message under han/: topic → payload. */
let retained: Map<string, string>;

broker.before(async () => {
  port = await freePort();
  const schemes = Object.fromEntries(readdirSync(SCHEMES).filter((f) => /\.ya?ml$/.test(f)).map((f) => [f, readFileSync(join(SCHEMES, f), 'utf8')]));
  const watcher = await Probe.connect(broker.url, [`han/${N}/status`]);
  ({ agent } = await startAgent({
    url: broker.url,
    node: N,
    schemes,
    config: { http: { host: '127.0.0.1', port, max_callbacks: 100, max_concurrent: 64 }, management: { remote: true } },
  }));
  await watcher.waitFor(`han/${N}/status`, (p) => p === 'online', 20_000);
  await watcher.close();
  // A subscriber that comes later, as Home Assistant would.
  const probe = await Probe.connect(broker.url, [`homeassistant/+/${N}/+/config`, `han/${N}/#`]);
  await new Promise((r) => setTimeout(r, 500));
  await probe.close();
  configs = new Map(probe.messages.filter((m) => m.retain && m.payload && m.topic.startsWith('homeassistant/')).map((m) => [m.topic, JSON.parse(m.payload)]));
  retained = new Map(probe.messages.filter((m) => m.retain && m.payload && m.topic.startsWith('han/')).map((m) => [m.topic, m.payload]));
});

broker.after(() => agent?.stop());

test('every retained config passes Home Assistant\'s discovery schema for its component, and hanode\'s rules', () => {
  assert.equal(agent.schemes.invalidFiles().length, 0, 'every example scheme loads');
  assert.ok(configs.size >= 60, `${configs.size} configs`);
  const problems = allProblems([...configs].map(([topic, config]) => ({ topic, config })), {
    base: 'han',
    node: N,
    version,
    configurationUrl: `http://127.0.0.1:${port}/`,
    supportUrl: homepage,
  });
  assert.deepEqual(problems, []);
  assert.ok(homepage, 'package.json has a homepage, the origin\'s support_url');
  const components = new Set([...configs.keys()].map((t) => t.split('/')[1]));
  for (const c of ['sensor', 'binary_sensor', 'switch', 'number', 'text', 'button', 'event', 'light', 'cover']) assert.ok(components.has(c), `a ${c} among the examples`);
});

test('the examples: a motion sensor, a water meter with a unit, a PWM light, and overrides', () => {
  const at = (component: string, object: string) => {
    const c = configs.get(`homeassistant/${component}/${N}/${object}/config`);
    assert.ok(c, `${component} ${object} is published`);
    return c;
  };
  const motion = at('binary_sensor', 'hall-motion_state');
  assert.deepEqual([motion.device_class, motion.device.suggested_area], ['motion', 'Hall']);
  const water = at('sensor', 'water-meter_total');
  assert.deepEqual([water.device_class, water.unit_of_measurement, water.state_class], ['water', 'L', 'total_increasing']);
  assert.equal(at('sensor', 'water-meter_count').state_class, 'measurement');
  const lamp = at('light', 'desk-lamp_state');
  assert.deepEqual([lamp.brightness_scale, lamp.brightness_command_topic], [100, `han/${N}/desk-lamp/set`]);
  assert.equal(configs.get(`homeassistant/number/${N}/desk-lamp_brightness/config`), undefined, 'the brightness is part of the light');
  const fridge = at('sensor', 'fridge-temperature_temperature');
  assert.deepEqual([fridge.name, fridge.icon, fridge.suggested_display_precision, fridge.expire_after], ['Fridge', 'mdi:fridge-outline', 1, 600]);
  assert.equal(at('cover', 'vent-flap_angle').device_class, 'damper');
});

test("the node's own entities are there and read what the node publishes", () => {
  const own = (component: string, key: string) => {
    const c = configs.get(`homeassistant/${component}/${N}/_node_${key}/config`);
    assert.ok(c, `${component} ${key}`);
    return c;
  };
  assert.equal(own('button', 'restart').command_topic, `han/${N}/$request/restart`);
  const connectivity = own('binary_sensor', 'connectivity');
  assert.equal(retained.get(connectivity.state_topic), connectivity.payload_on, 'online reads as connected');
  const info = JSON.parse(retained.get(`han/${N}/$info`)!);
  const value = (key: string) => jsonPath(own('sensor', key).value_template)!.reduce((v: any, k) => v?.[k], info);
  assert.equal(typeof value('outbox_backlog'), 'number');
  assert.equal(typeof value('outbox_dropped'), 'number');
  assert.equal(value('version'), version);
});

test('every template that picks a value out of a state finds it in what the agent publishes', () => {
  let checked = 0;
  for (const [topic, c] of configs) {
    const pairs: [string | undefined, unknown][] = [
      [c.state_topic, c.value_template ?? c.state_value_template],
      [c.brightness_state_topic, c.brightness_value_template],
      [c.percentage_state_topic, c.percentage_value_template],
      [c.position_topic, c.position_template],
    ];
    for (const [stateTopic, template] of pairs) {
      const path = jsonPath(template);
      if (!stateTopic || !path) continue;
      const payload = retained.get(stateTopic);
      // Inputs whose first reading is still to come (a pulse counter's first interval) have no state yet.
      if (payload === undefined) continue;
      const state = JSON.parse(payload);
      // The key must be there; its value may be null (a servo's angle before the first command).
      let v: any = state;
      const found = path.every((k) => v !== null && typeof v === 'object' && Object.hasOwn(v, k) && ((v = v[k]), true));
      assert.ok(found, `${topic}: ${template} in ${payload}`);
      checked++;
    }
  }
  assert.ok(checked >= 40, `${checked} templates checked against real states`);
});

test("the restart button's command reaches the node's $request/restart, which answers", async () => {
  const restart = configs.get(`homeassistant/button/${N}/_node_restart/config`)!;
  const probe = await Probe.connect(broker.url, [`han/${N}/$response/#`]);
  try {
    await probe.publish(restart.command_topic, restart.payload_press);
    const answer = JSON.parse((await probe.waitFor(`han/${N}/$response/restart`)).payload);
    assert.ok(answer.status === 'ok' || answer.status === 'error', JSON.stringify(answer));
  } finally {
    await probe.close();
  }
});

test("$info follows the outbox: Home Assistant's backlog sensor sees a backlog drain to 0 without any scheme changing", async () => {
  const node = 'drain-pi';
  const broker = await Mosquitto.start();
  const probe = await Probe.connect(broker.url, [`han/${node}/#`]);
  const { agent: draining } = await startAgent({
    url: broker.url,
    node,
    schemes: { 'climate.yaml': 'inputs:\n  - { id: climate, driver: bme280, interval: 200ms }\n' },
    // Slow enough that the backlog is still there when the node says it is back.
    config: { outbox: { max_messages: 1_000_000, max_bytes: 256 * 1024 * 1024, drain_rate: 20 } },
    statsEveryMs: 200,
  });
  const info = (from: number) => probe.messages.filter((m) => m.seq >= from && m.topic === `han/${node}/$info`).map((m) => JSON.parse(m.payload).outbox);
  try {
    await probe.waitFor(`han/${node}/status`, (p) => p === 'online', 10_000);
    await broker.stop();
    await new Promise((r) => setTimeout(r, 1_500)); // readings kept in the outbox until the link is back
    await broker.start();
    const back = probe.mark();
    await probe.waitFor(`han/${node}/status`, (p) => p === 'online', 20_000, back);
    await probe.waitFor(`han/${node}/$info`, (p) => JSON.parse(p).outbox.backlog === 0, 15_000, back);
    const seen = info(back);
    assert.ok(seen.some((o) => o.backlog > 0), `a backlog was reported after the reconnect: ${JSON.stringify(seen)}`);
    assert.equal(seen.at(-1).backlog, 0);
  } finally {
    await draining.stop();
    await probe.close();
    await broker.stop();
  }
});
