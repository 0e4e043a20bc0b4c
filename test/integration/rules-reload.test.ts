/**
 * Rules after `$request/reload`: the reload builds a new rule engine, and the new engine must
 * know the facts the old one knew. An output's state and another node's retained state are not
 * published again by themselves, so without them a rule would be blind (`unknown`) after a
 * reload, and one that had fired `then` would never fire its `else`.
 */
import { describe, test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { useBroker } from '../helpers/broker-fixture.js';
import { ask, nodeDir, startNode } from '../helpers/node.js';
import type { Agent } from '../../src/agent/agent.js';
import type { SimHardware } from '../../src/hardware/sim/index.js';

const N = 'reload-pi';
const T = (s: string) => `han/${N}/${s}`;

const SCHEMES = {
  'r.yaml': `
outputs:
  - id: fan
    driver: gpio-out
    pin: 27
  - id: lamp
    driver: gpio-out
    pin: 17
rules:
  - id: lamp-follows-fan
    when: { fact: fan, path: $.state, operator: equal, value: "ON" }
    then: [ { set: { output: lamp, value: "ON" } } ]
    else: [ { set: { output: lamp, value: "OFF" } } ]
  - id: hot-elsewhere
    when: { fact: shed-pi/temp, path: $.temperature, operator: greaterThan, value: 25 }
    then: [ { publish: { topic: han/reload-pi/said, payload: hot } } ]
    else: [ { publish: { topic: han/reload-pi/said, payload: cool } } ]
`,
};

describe('rules across $request/reload', () => {
  const broker = useBroker();
  let agent: Agent;
  let schemesDir: string;

  broker.before(async () => {
    // Another node's retained state, there before this node starts.
    await broker.probe.publish('han/shed-pi/temp', JSON.stringify({ temperature: 30, ts: new Date().toISOString() }), { retain: true });
    const config = nodeDir({ url: broker.url, node: N, schemes: SCHEMES });
    schemesDir = config.schemes;
    agent = await startNode(config);
    await broker.probe.waitFor(T('status'), (p) => p === 'online');
  });

  broker.after(async () => {
    await agent?.stop();
    await broker.probe.publish('han/shed-pi/temp', '', { retain: true });
  });

  const rule = async (id: string) => (await ask(broker.probe, N, 'rules')).data.rules.find((r: { id: string }) => r.id === id);

  test('a rule on an output state and one on a remote retained state still know their facts after a reload', async () => {
    await broker.probe.waitFor(T('said'), (p) => p === 'hot');
    let since = broker.probe.mark();
    await broker.probe.publish(T('fan/set'), 'ON');
    await broker.probe.waitForState(T('lamp'), (s) => s.state === 'ON', 3_000, since);
    assert.equal((await rule('lamp-follows-fan')).state, 'true');
    assert.equal((await rule('hot-elsewhere')).state, 'true');

    // A changed rule set, so the reload builds a new engine.
    writeFileSync(
      join(schemesDir, 'more.yaml'),
      'rules:\n  - id: hourly\n    every: 1h\n    then: [ { publish: { topic: han/reload-pi/hourly, payload: x } } ]\n',
    );
    const reloaded = await ask(broker.probe, N, 'reload');
    assert.equal(reloaded.status, 'ok');
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(await rule('hourly'), 'the new rule is there');
    assert.equal((await rule('lamp-follows-fan')).state, 'true', 'the fan is still ON');
    assert.equal((await rule('hot-elsewhere')).state, 'true', "shed-pi's temperature is still 30");

    // And they still act on the next change.
    since = broker.probe.mark();
    await broker.probe.publish(T('fan/set'), 'OFF');
    await broker.probe.waitForState(T('lamp'), (s) => s.state === 'OFF', 3_000, since);
    assert.equal((agent.hardware as SimHardware).device('lamp')!.state().level, 0);
    await broker.probe.publish('han/shed-pi/temp', JSON.stringify({ temperature: 20, ts: new Date().toISOString() }), { retain: true });
    await broker.probe.waitFor(T('said'), (p) => p === 'cool', 3_000, since);
  });
});
