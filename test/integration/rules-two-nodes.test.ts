/**
 * Two agents, one broker (issue 5, acceptance 2): a rule on a-node reads a fact of b-node
 * (`b-node/temp`, b-node's state topic) and switches an output on a-node and, through
 * `set: {output: "b-node/fan"}`, one on b-node.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Mosquitto } from '../helpers/mosquitto.js';
import { Probe } from '../helpers/probe.js';
import { ask, nodeDir, startNode } from '../helpers/node.js';
import type { Agent } from '../../src/agent/agent.js';
import type { SimHardware } from '../../src/hardware/sim/index.js';

const A = (s: string) => `han/a-node/${s}`;
const B = (s: string) => `han/b-node/${s}`;

const B_SCHEMES = {
  'b.yaml': `
inputs:
  - id: temp
    driver: ds18b20
    sensor_id: 28-00000a1b2c3d
    interval: 100ms
outputs:
  - id: fan
    driver: gpio-out
    pin: 27
`,
};

const A_SCHEMES = {
  'a.yaml': `
outputs:
  - id: fan
    driver: gpio-out
    pin: 27
rules:
  - id: cool-from-b
    when:
      all:
        - { fact: b-node/temp, path: $.temperature, operator: greaterThan, value: 25 }
    then:
      - { set: { output: fan, value: "ON" } }
      - { set: { output: b-node/fan, value: "ON" } }
    else:
      - { set: { output: fan, value: "OFF" } }
      - { set: { output: b-node/fan, value: "OFF" } }
`,
};

describe('two agents, one broker', () => {
  let mosquitto: Mosquitto;
  let probe: Probe;
  let a: Agent;
  let b: Agent;

  before(async () => {
    mosquitto = await Mosquitto.start();
    probe = await Probe.connect(mosquitto.url);
    // b first, so its retained temperature is there when a subscribes; the other order is below.
    b = await startNode(nodeDir({ url: mosquitto.url, node: 'b-node', schemes: B_SCHEMES }));
    a = await startNode(nodeDir({ url: mosquitto.url, node: 'a-node', schemes: A_SCHEMES }));
    await probe.waitFor(A('status'), (p) => p === 'online');
    await probe.waitFor(B('status'), (p) => p === 'online');
  });

  after(async () => {
    await a?.stop();
    await b?.stop();
    await probe?.close();
    await mosquitto?.stop();
  });

  const level = (agent: Agent, id: string) => (agent.hardware as SimHardware).device(id)!.state().level;

  test("a rule on a-node reads b-node/temp and switches a-node's fan and b-node's fan", async () => {
    // The rule knows b's temperature (from the retained state) and it is not above 25.
    await probe.waitForState(B('temp'), (s) => typeof s.temperature === 'number');
    const listed = await ask(probe, 'a-node', 'rules');
    assert.equal(listed.data.rules[0].state, 'false');

    const since = probe.mark();
    await probe.publish(B('$sim/temp/set'), '{"temperature":26}');
    const hot = await probe.waitFor(B('temp'), (p) => JSON.parse(p).temperature > 25, 3_000, since);
    const aOn = await probe.waitFor(A('fan'), (p) => JSON.parse(p).state === 'ON', 3_000, since);
    const bOn = await probe.waitFor(B('fan'), (p) => JSON.parse(p).state === 'ON', 3_000, since);
    assert.ok(aOn.seq > hot.seq && bOn.seq > hot.seq, 'both fans went ON after the hot reading');
    // b-node's fan was switched by a command from a-node, not retained.
    const command = probe.on(B('fan/set')).filter((m) => m.seq >= since);
    assert.deepEqual(command.map((m) => [m.payload, m.retain]), [['ON', false]]);
    assert.equal(level(a, 'fan'), 1);
    assert.equal(level(b, 'fan'), 1);
    // Hotter still: the rule still holds and does not fire again.
    const hotter = probe.mark();
    await probe.publish(B('$sim/temp/set'), '{"temperature":28}');
    await probe.waitFor(B('temp'), (p) => JSON.parse(p).temperature > 27, 3_000, hotter);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(probe.on(A('$rules/cool-from-b')).filter((m) => m.seq >= since).map((m) => JSON.parse(m.payload).fired), ['then']);

    const cooled = probe.mark();
    await probe.publish(B('$sim/temp/set'), '{"temperature":20}');
    await probe.waitFor(A('fan'), (p) => JSON.parse(p).state === 'OFF', 3_000, cooled);
    await probe.waitFor(B('fan'), (p) => JSON.parse(p).state === 'OFF', 3_000, cooled);
    assert.equal(level(a, 'fan'), 0);
    assert.equal(level(b, 'fan'), 0);
    await new Promise((r) => setTimeout(r, 400));
    assert.deepEqual(probe.on(A('$rules/cool-from-b')).filter((m) => m.seq >= since).map((m) => JSON.parse(m.payload).fired), ['then', 'else']);
    assert.equal(probe.on(B('fan/set')).filter((m) => m.seq >= since).length, 2);
    assert.deepEqual(probe.on(A('$error')), [], 'no errors on a-node');
    assert.deepEqual(probe.on(B('$error')), [], 'no errors on b-node');
  });

  test('after b-node restarts, the rule on a-node follows its new readings', async () => {
    const restart = probe.mark();
    await b.stop();
    b = await startNode(nodeDir({ url: mosquitto.url, node: 'b-node', schemes: B_SCHEMES }));
    await probe.waitFor(B('status'), (p) => p === 'online', 5_000, restart);
    const since = probe.mark();
    await probe.publish(B('$sim/temp/set'), '{"temperature":30}');
    await probe.waitFor(A('fan'), (p) => JSON.parse(p).state === 'ON', 3_000, since);
    await probe.waitFor(B('fan'), (p) => JSON.parse(p).state === 'ON', 3_000, since);
    assert.equal(level(b, 'fan'), 1);
    const cooled = probe.mark();
    await probe.publish(B('$sim/temp/set'), '{"temperature":20}');
    await probe.waitFor(B('fan'), (p) => JSON.parse(p).state === 'OFF', 3_000, cooled);
  });
});
