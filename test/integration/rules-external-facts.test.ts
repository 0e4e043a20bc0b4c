/**
 * Facts from any MQTT topic (README "Rules"): a Zigbee2MQTT sensor, an ESPHome state and a Tasmota
 * plug, declared in the rule file, on a private broker with a real agent. A payload that is not
 * JSON, lacks the path or is too large is an `$error` naming the topic, and the rules carry on;
 * the topics are listened to only while the rule file is loaded.
 */
import { describe, test } from 'node:test';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { useBroker } from '../helpers/broker-fixture.js';
import { ask, nodeDir, startNode } from '../helpers/node.js';
import type { Agent } from '../../src/agent/agent.js';
import { MAX_FACT_PAYLOAD_BYTES } from '../../src/core/limits.js';

const N = 'porch-pi';
const T = (s: string) => `han/${N}/${s}`;
const Z2M = 'zigbee2mqtt/hall_sensor';
const ESPHOME = 'esphome-porch/sensor/porch_lux/state';
const TASMOTA = 'tele/plug-1/SENSOR';

const SCHEMES = {
  'porch.yaml': `
outputs:
  - id: porch-light
    driver: gpio-out
    pin: 17
rules:
  - id: porch-light-when-dark-and-someone-home
    facts:
      hall: ${Z2M}
      porch-lux: ${ESPHOME}
    when:
      all:
        - { fact: hall, path: $.occupancy, operator: equal, value: true }
        - { fact: porch-lux, operator: lessThan, value: 10 }
    then: [ { set: { output: porch-light, value: "ON" } } ]
    else: [ { set: { output: porch-light, value: "OFF" } } ]
  - id: plug-watch
    facts:
      plug: { topic: ${TASMOTA}, path: $.ENERGY.Power }
    when: { fact: plug, operator: greaterThan, value: 100 }
    then: [ { publish: { topic: ${T('said')}, payload: "plug draws {{ plug | round }} W, hall {{ hall.occupancy | default: 'unknown' }}" } } ]
`,
};

describe('rules: facts from any MQTT topic', () => {
  const broker = useBroker();
  let agent: Agent;
  let schemesDir: string;

  broker.before(async () => {
    // Zigbee2MQTT retains its devices' states when asked to: there before the node starts.
    await broker.probe.publish(Z2M, JSON.stringify({ occupancy: true, battery: 97, linkquality: 120 }), { retain: true });
    const config = nodeDir({ url: broker.url, node: N, schemes: SCHEMES });
    schemesDir = config.schemes;
    agent = await startNode(config);
    await broker.probe.waitFor(T('status'), (p) => p === 'online');
  });

  broker.after(async () => {
    await agent?.stop();
    await broker.probe.publish(Z2M, '', { retain: true });
  });

  const rule = async (id: string) => (await ask(broker.probe, N, 'rules')).data.rules.find((r: { id: string }) => r.id === id);
  const errorOn = (topic: string, since: number) => broker.probe.waitFor(T('$error'), (p) => JSON.parse(p).topic === topic, 5_000, since).then((m) => JSON.parse(m.payload).error as string);

  test('a retained Zigbee2MQTT state and a plain ESPHome number drive a rule; a Tasmota path feeds a template', async () => {
    let since = broker.probe.mark();
    await broker.probe.publish(ESPHOME, '4.5');
    await broker.probe.waitForState(T('porch-light'), (s) => s.state === 'ON', 5_000, since);
    assert.equal((await rule('porch-light-when-dark-and-someone-home')).state, 'true');

    since = broker.probe.mark();
    await broker.probe.publish(ESPHOME, '250');
    await broker.probe.waitForState(T('porch-light'), (s) => s.state === 'OFF', 5_000, since);

    since = broker.probe.mark();
    await broker.probe.publish(TASMOTA, JSON.stringify({ Time: '2026-06-01T07:30:00', ENERGY: { Power: 1234.6, Voltage: 231 } }));
    const said = await broker.probe.waitFor(T('said'), () => true, 5_000, since);
    assert.equal(said.payload, 'plug draws 1235 W, hall unknown', "the rule's own facts are in its template; hall is not one of plug-watch's");
  });

  test('a payload that is not JSON, lacks the path or is too large is an $error naming the topic; the rules carry on', async () => {
    let since = broker.probe.mark();
    await broker.probe.publish(ESPHOME, 'unavailable');
    assert.equal(
      await errorOn(ESPHOME, since),
      `fact on ${ESPHOME} (rule porch-light-when-dark-and-someone-home): the payload is not JSON ("unavailable"); for a plain value such as ON, declare the fact with format: text`,
    );
    assert.equal((await rule('porch-light-when-dark-and-someone-home')).state, 'unknown', 'a fact that is not understood is not known');

    since = broker.probe.mark();
    await broker.probe.publish(TASMOTA, JSON.stringify({ Time: '2026-06-01T07:31:00', Wifi: { RSSI: 60 } }));
    assert.equal(await errorOn(TASMOTA, since), `fact on ${TASMOTA} at $.ENERGY.Power (rule plug-watch): the payload has nothing at $.ENERGY.Power`);

    since = broker.probe.mark();
    await broker.probe.publish(TASMOTA, JSON.stringify({ ENERGY: { Power: 1 }, pad: 'x'.repeat(MAX_FACT_PAYLOAD_BYTES) }));
    assert.match(await errorOn(TASMOTA, since), /: payload of \d+ bytes is over the limit of 16 KiB for a fact$/);

    // And the node still works: the facts come back with good payloads.
    since = broker.probe.mark();
    await broker.probe.publish(ESPHOME, '3');
    await broker.probe.waitForState(T('porch-light'), (s) => s.state === 'ON', 5_000, since);
    assert.equal((await ask(broker.probe, N, 'health')).status, 'ok');
  });

  test('the topics are listened to only while the rule file is loaded', async () => {
    rmSync(join(schemesDir, 'porch.yaml'));
    assert.equal((await ask(broker.probe, N, 'reload')).status, 'ok');
    assert.equal(await rule('plug-watch'), undefined);
    const since = broker.probe.mark();
    await broker.probe.publish(TASMOTA, 'not json at all');
    await broker.probe.publish(ESPHOME, 'not json either');
    // A request after them on the same connection: its answer comes after any $error they would cause.
    await ask(broker.probe, N, 'health');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(broker.probe.messages.filter((m) => m.seq >= since && m.topic === T('$error')).map((m) => m.payload), []);
  });
});
