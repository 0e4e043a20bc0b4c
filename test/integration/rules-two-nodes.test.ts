/**
 * Two agents, one broker (issue 5, acceptance 2): a rule on a-node reads a fact of b-node
 * (`b-node/temp`, b-node's state topic) and switches an output on a-node and, through
 * `set: {output: "b-node/fan"}`, one on b-node.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useBroker } from '../helpers/broker-fixture.js';
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
  const broker = useBroker();
  let a: Agent;
  let b: Agent;

  broker.before(async () => {
    // b first, so its retained temperature is there when a subscribes; the other order is below.
    b = await startNode(nodeDir({ url: broker.url, node: 'b-node', schemes: B_SCHEMES }));
    a = await startNode(nodeDir({ url: broker.url, node: 'a-node', schemes: A_SCHEMES }));
    await broker.probe.waitFor(A('status'), (p) => p === 'online');
    await broker.probe.waitFor(B('status'), (p) => p === 'online');
  });

  broker.after(async () => {
    await a?.stop();
    await b?.stop();
  });

  const level = (agent: Agent, id: string) => (agent.hardware as SimHardware).device(id)!.state().level;

  test("a rule on a-node reads b-node/temp and switches a-node's fan and b-node's fan", async () => {
    // The rule knows b's temperature (from the retained state) and it is not above 25.
    await broker.probe.waitForState(B('temp'), (s) => typeof s.temperature === 'number');
    const listed = await ask(broker.probe, 'a-node', 'rules');
    assert.equal(listed.data.rules[0].state, 'false');

    const since = broker.probe.mark();
    await broker.probe.publish(B('$sim/temp/set'), '{"temperature":26}');
    const hot = await broker.probe.waitFor(B('temp'), (p) => JSON.parse(p).temperature > 25, 3_000, since);
    const aOn = await broker.probe.waitFor(A('fan'), (p) => JSON.parse(p).state === 'ON', 3_000, since);
    const bOn = await broker.probe.waitFor(B('fan'), (p) => JSON.parse(p).state === 'ON', 3_000, since);
    assert.ok(aOn.seq > hot.seq && bOn.seq > hot.seq, 'both fans went ON after the hot reading');
    // b-node's fan was switched by a command from a-node, not retained.
    const command = broker.probe.on(B('fan/set')).filter((m) => m.seq >= since);
    assert.deepEqual(command.map((m) => [m.payload, m.retain]), [['ON', false]]);
    assert.equal(level(a, 'fan'), 1);
    assert.equal(level(b, 'fan'), 1);
    // Hotter still: the rule still holds and does not fire again.
    const hotter = broker.probe.mark();
    await broker.probe.publish(B('$sim/temp/set'), '{"temperature":28}');
    await broker.probe.waitFor(B('temp'), (p) => JSON.parse(p).temperature > 27, 3_000, hotter);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(broker.probe.on(A('$rules/cool-from-b')).filter((m) => m.seq >= since).map((m) => JSON.parse(m.payload).fired), ['then']);

    const cooled = broker.probe.mark();
    await broker.probe.publish(B('$sim/temp/set'), '{"temperature":20}');
    await broker.probe.waitFor(A('fan'), (p) => JSON.parse(p).state === 'OFF', 3_000, cooled);
    await broker.probe.waitFor(B('fan'), (p) => JSON.parse(p).state === 'OFF', 3_000, cooled);
    assert.equal(level(a, 'fan'), 0);
    assert.equal(level(b, 'fan'), 0);
    await new Promise((r) => setTimeout(r, 400));
    assert.deepEqual(broker.probe.on(A('$rules/cool-from-b')).filter((m) => m.seq >= since).map((m) => JSON.parse(m.payload).fired), ['then', 'else']);
    assert.equal(broker.probe.on(B('fan/set')).filter((m) => m.seq >= since).length, 2);
    assert.deepEqual(broker.probe.on(A('$error')), [], 'no errors on a-node');
    assert.deepEqual(broker.probe.on(B('$error')), [], 'no errors on b-node');
  });

  test('after b-node restarts, the rule on a-node follows its new readings', async () => {
    const restart = broker.probe.mark();
    await b.stop();
    b = await startNode(nodeDir({ url: broker.url, node: 'b-node', schemes: B_SCHEMES }));
    await broker.probe.waitFor(B('status'), (p) => p === 'online', 5_000, restart);
    const since = broker.probe.mark();
    await broker.probe.publish(B('$sim/temp/set'), '{"temperature":30}');
    await broker.probe.waitFor(A('fan'), (p) => JSON.parse(p).state === 'ON', 3_000, since);
    await broker.probe.waitFor(B('fan'), (p) => JSON.parse(p).state === 'ON', 3_000, since);
    assert.equal(level(b, 'fan'), 1);
    const cooled = broker.probe.mark();
    await broker.probe.publish(B('$sim/temp/set'), '{"temperature":20}');
    await broker.probe.waitFor(B('fan'), (p) => JSON.parse(p).state === 'OFF', 3_000, cooled);
  });
});
