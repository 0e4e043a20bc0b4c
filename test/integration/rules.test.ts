/**
 * Rules over MQTT (issue 5, README "Scheme files"), one node on a private Mosquitto, sim hardware: the
 * BME280 model is moved with `$sim`, outputs are sim GPIO lines, and every firing is watched on
 * `han/N/$rules/<id>`. The tests in this file share one agent and run in order; each one puts
 * the temperature back to 21.5 °C when it is done.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'mqtt';
import { useBroker } from '../helpers/broker-fixture.js';
import type { Seen } from '../helpers/probe.js';
import { ask, nodeDir, startNode } from '../helpers/node.js';
import type { Agent } from '../../src/agent/agent.js';
import type { SimHardware } from '../../src/hardware/sim/index.js';

const N = 'r-pi';
const T = (s: string) => `han/${N}/${s}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const SCHEMES = {
  'kitchen.yaml': `
inputs:
  - id: climate
    driver: bme280
    bus: 1
    address: 0x76
    interval: 100ms
outputs:
  - id: fan
    driver: gpio-out
    pin: 27
  - id: lamp
    driver: gpio-out
    pin: 17
  - id: buzzer
    driver: gpio-out
    pin: 22
rules:
  - id: fan-when-hot
    when:
      all:
        - { fact: climate, path: $.temperature, operator: greaterThan, value: 25 }
    for: 1s
    then: [ { set: { output: fan, value: "ON" } } ]
    else: [ { set: { output: fan, value: "OFF" } } ]
  - id: lamp-when-cold
    when: { fact: climate, path: $.temperature, operator: lessThan, value: 10 }
    then: [ { set: { output: lamp, value: "ON" } } ]
    else: [ { set: { output: lamp, value: "OFF" } } ]
  - id: tick
    every: 1s
    enabled: false
    then: [ { publish: { topic: han/r-pi/tick, payload: tick } } ]
  # Feeds itself: every firing changes its own fact. Loop damping must stop it.
  - id: flip
    when: { fact: buzzer, path: $.state, operator: equal, value: "ON" }
    then: [ { set: { output: buzzer, value: "OFF" } } ]
    else: [ { set: { output: buzzer, value: "ON" } } ]
`,
  'broken.yaml': `
rules:
  - id: bad-fact
    when: { fact: cllimate, path: $.temperature, operator: greaterThan, value: 25 }
    then: [ { set: { output: fan, value: "ON" } } ]
  - id: bad-operator
    when: { fact: climate, path: $.temperature, operator: greaterThen, value: 25 }
    then: [ { set: { output: fan, value: "ON" } } ]
  - id: bad-output
    when: { fact: climate, path: $.temperature, operator: greaterThan, value: 25 }
    then: [ { set: { output: fann, value: "ON" } } ]
`,
};

describe('rules over MQTT on one node', () => {
  const broker = useBroker();
  let agent: Agent;
  let sim: SimHardware;

  /** The firings seen on `$rules/<id>` at or after `since`, parsed. */
  const firings = (id: string, since = 0) =>
    broker.probe.on(T(`$rules/${id}`)).filter((m) => m.seq >= since).map((m) => ({ ...JSON.parse(m.payload), retain: m.retain, at: m.at }));
  const level = (id: string) => sim.device(id)!.state().level;
  const climateAbove = (t: number, since: number) =>
    broker.probe.waitFor(T('climate'), (p) => JSON.parse(p).temperature > t, 3_000, since);
  const climateBelow = (t: number, since: number) =>
    broker.probe.waitFor(T('climate'), (p) => JSON.parse(p).temperature < t, 3_000, since);
  const setTemperature = (temperature: number) => broker.probe.publish(T('$sim/climate/set'), JSON.stringify({ temperature }));
  const stateIs = (id: string, state: 'ON' | 'OFF', since: number, timeoutMs = 3_000) =>
    broker.probe.waitFor(T(id), (p) => JSON.parse(p).state === state, timeoutMs, since);

  broker.before(async () => {
    agent = await startNode(nodeDir({ url: broker.url, node: N, schemes: SCHEMES }));
    sim = agent.hardware as SimHardware;
    await broker.probe.waitFor(T('status'), (p) => p === 'online');
    await broker.probe.waitForState(T('climate'), (s) => Math.abs(s.temperature - 21.5) < 0.1);
  });

  broker.after(() => agent?.stop());

  test('a rule naming an unknown fact, output or operator is a FILE:LINE:COL $error at load, and is skipped', async () => {
    const errors = broker.probe.on(T('$error')).map((m) => JSON.parse(m.payload).error as string);
    const mine = errors.filter((e) => e.includes('broken.yaml'));
    assert.ok(mine.some((e) => /broken\.yaml:4:19: unknown fact 'cllimate'.*did you mean 'climate'/.test(e)), JSON.stringify(mine));
    assert.ok(mine.some((e) => /broken\.yaml:7:59: unknown operator 'greaterThen'.*did you mean 'greaterThan'/.test(e)), JSON.stringify(mine));
    assert.ok(mine.some((e) => /broken\.yaml:11:30: unknown output 'fann'.*did you mean 'fan'/.test(e)), JSON.stringify(mine));
    const ids = (await ask(broker.probe, N, 'rules')).data.rules.map((r: { id: string }) => r.id);
    assert.deepEqual(ids, ['fan-when-hot', 'lamp-when-cold', 'tick', 'flip'], 'the rules of the broken file are not loaded; the others are');
  });

  test('hot for 1s: the fan goes ON after the for: time and not before; cooler: OFF; each firing once on $rules', async () => {
    const since = broker.probe.mark();
    const raisedAt = Date.now();
    await setTemperature(26);
    const hot = await climateAbove(25, since);
    const on = await stateIs('fan', 'ON', since, 4_000);
    assert.equal(level('fan'), 1, 'the sim line is high');
    // The hold starts at the reading that crossed 25 °C; 1 s later, and not before, the fan goes ON.
    assert.ok(on.at - raisedAt >= 1_000, `ON ${on.at - raisedAt} ms after the temperature was raised`);
    assert.ok(on.at - hot.at >= 900, `ON ${on.at - hot.at} ms after the first hot reading arrived`);
    assert.equal(broker.probe.on(T('fan')).filter((m) => m.seq >= since && m.seq < on.seq).length, 0, 'no fan state before ON');
    // Hotter still: the condition still holds, nothing fires again.
    const hotter = broker.probe.mark();
    await setTemperature(27.5);
    await climateAbove(27, hotter);
    await sleep(1_200);
    assert.equal(firings('fan-when-hot', since).length, 1, 'one firing while it stays hot');

    const cooled = broker.probe.mark();
    await setTemperature(20);
    const off = await stateIs('fan', 'OFF', cooled);
    await climateBelow(25, cooled);
    assert.equal(level('fan'), 0, 'the sim line is low');
    // No hold on the way down: OFF follows the cooling, with no other fan state between.
    assert.equal(broker.probe.on(T('fan')).filter((m) => m.seq >= cooled && m.seq < off.seq).length, 0, 'nothing before OFF');
    const cooler = broker.probe.mark();
    await setTemperature(18);
    await climateBelow(19, cooler);

    // Readings keep coming (10 a second); neither then nor else runs again.
    await sleep(600);
    const fired = firings('fan-when-hot', since);
    assert.deepEqual(fired.map((f) => f.fired), ['then', 'else']);
    for (const f of fired) {
      assert.match(f.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(f.retain, false);
      assert.deepEqual(Object.keys(f).sort(), ['at', 'fired', 'retain', 'ts']);
    }
    assert.equal(broker.probe.on(T('fan')).filter((m) => m.seq >= since).length, 2, 'one ON and one OFF state');
    // Not retained: a client that subscribes now gets nothing on $rules.
    const late = connect(broker.url, { clientId: `late-${Date.now()}` });
    const retained: string[] = [];
    late.on('message', (topic) => retained.push(topic));
    await late.subscribeAsync(T('$rules/#'), { qos: 1 });
    await sleep(300);
    await late.endAsync();
    assert.deepEqual(retained, []);

    // $request/rules has the last firing, the one published.
    const listed = await ask(broker.probe, N, 'rules');
    assert.equal(listed.status, 'ok');
    const rule = listed.data.rules.find((r: { id: string }) => r.id === 'fan-when-hot');
    assert.deepEqual(rule.lastFired, { fired: 'else', ts: fired[1]!.ts });
    assert.equal(rule.state, 'false');
    assert.equal(rule.for, '1s');
    assert.equal(rule.enabled, true);
  });

  test('hot for less than the for: time fires nothing', async () => {
    const since = broker.probe.mark();
    await setTemperature(26);
    await climateAbove(25, since);
    await sleep(500);
    const cooled = broker.probe.mark();
    await setTemperature(21.5);
    await climateBelow(25, cooled);
    await sleep(1_200);
    assert.deepEqual(firings('fan-when-hot', since), []);
    assert.equal(broker.probe.on(T('fan')).filter((m) => m.seq >= since).length, 0);
    assert.equal(level('fan'), 0);
  });

  test('every: 1s fires 3 times in 3.5 s, about 1 s apart', async () => {
    // The rule is off in its file: enabling it arms the period from now.
    const since = broker.probe.mark();
    const enabledAt = Date.now();
    const enabled = await ask(broker.probe, N, 'enable', { id: 'tick' });
    assert.deepEqual(enabled.data, { id: 'tick', kind: 'rule', enabled: true });
    // Three ticks, however busy the machine: the period itself is checked on a fake clock in test/rules.
    for (let waited = 0; firings('tick', since).length < 3 && waited < 15_000; waited += 50) await sleep(50);
    await ask(broker.probe, N, 'disable', { id: 'tick' });
    const fired = firings('tick', since).slice(0, 3);
    assert.deepEqual(fired.map((f) => f.fired), ['then', 'then', 'then']);
    const ats = fired.map((f) => Date.parse(f.ts));
    assert.ok(ats[0]! - enabledAt >= 950, `first tick ${ats[0]! - enabledAt} ms after enable: not before its period`);
    for (let i = 1; i < ats.length; i++) assert.ok(ats[i]! - ats[i - 1]! >= 900, `ticks ${ats[i]! - ats[i - 1]!} ms apart: never closer than the period`);
    assert.ok(broker.probe.on('han/r-pi/tick').filter((m) => m.seq >= since).length >= 3, 'the publish action ran each time');
    // Disabled: no more ticks.
    const stopped = broker.probe.mark();
    await sleep(1_300);
    assert.deepEqual(firings('tick', stopped), []);
  });

  test('$request/rules lists every rule with its state, schedule and place in the file', async () => {
    const r = await ask(broker.probe, N, 'rules');
    assert.equal(r.status, 'ok');
    const byId = Object.fromEntries(r.data.rules.map((x: { id: string }) => [x.id, x]));
    assert.deepEqual(Object.keys(byId), ['fan-when-hot', 'lamp-when-cold', 'tick', 'flip']);
    assert.equal(byId['tick'].schedule, 'every 1s');
    assert.equal(byId['tick'].enabled, false);
    assert.equal(byId['tick'].lastFired.fired, 'then');
    assert.equal(byId['lamp-when-cold'].state, 'false');
    assert.equal(byId['lamp-when-cold'].lastFired, undefined, 'never fired');
    assert.match(byId['fan-when-hot'].file, /kitchen\.yaml:\d+:\d+$/);
  });

  test('$request/disable stops a rule firing; enable brings it back', async () => {
    const off = await ask(broker.probe, N, 'disable', { id: 'fan-when-hot' });
    assert.deepEqual(off.data, { id: 'fan-when-hot', kind: 'rule', enabled: false });
    const since = broker.probe.mark();
    await setTemperature(26);
    await climateAbove(25, since);
    await sleep(1_600);
    assert.deepEqual(firings('fan-when-hot', since), [], 'a disabled rule does not fire');
    assert.equal(level('fan'), 0);
    const listed = await ask(broker.probe, N, 'rules');
    assert.equal(listed.data.rules.find((x: { id: string }) => x.id === 'fan-when-hot').enabled, false);

    // Enabled again while it is hot: the condition holds, so after the for: time it fires.
    const enabledAt = broker.probe.mark();
    await ask(broker.probe, N, 'enable', { id: 'fan-when-hot' });
    await stateIs('fan', 'ON', enabledAt, 4_000);
    const cooled = broker.probe.mark();
    await setTemperature(21.5);
    await stateIs('fan', 'OFF', cooled);
    assert.deepEqual(firings('fan-when-hot', since).map((f) => f.fired), ['then', 'else']);

    const unknown = await ask(broker.probe, N, 'disable', { id: 'no-such-rule' });
    assert.equal(unknown.status, 'error');
  });

  test('a failing action gives $error and the engine keeps running', async () => {
    await broker.probe.publish(T('$sim/lamp/set'), '{"fail":true}');
    const since = broker.probe.mark();
    await setTemperature(5);
    const err = await broker.probe.waitFor(T('$error'), (p) => JSON.parse(p).topic === T('$rules/lamp-when-cold'), 3_000, since);
    const e = JSON.parse(err.payload);
    assert.match(e.error, /lamp-when-cold: set lamp: /);
    assert.match(e.ts, /Z$/);
    assert.equal(err.retain, false);
    assert.deepEqual(firings('lamp-when-cold', since).map((f) => f.fired), ['then']);
    assert.equal(level('lamp'), 0);

    // The engine still runs: another rule fires (and lamp-when-cold's else fails on the broken lamp).
    const hot = broker.probe.mark();
    await setTemperature(26);
    await stateIs('fan', 'ON', hot, 4_000);
    // The output heals, and the same rule's next firing works.
    await broker.probe.publish(T('$sim/lamp/set'), '{"fail":false}');
    await broker.probe.waitFor(T('lamp/availability'), (p) => p === 'online', 5_000, since);
    const cold = broker.probe.mark();
    await setTemperature(5);
    await stateIs('fan', 'OFF', cold);
    await stateIs('lamp', 'ON', cold);
    assert.equal(level('lamp'), 1);
    const colder = broker.probe.mark();
    await setTemperature(3);
    await climateBelow(4, colder);
    const back = broker.probe.mark();
    await setTemperature(21.5);
    await stateIs('lamp', 'OFF', back);
    assert.equal(level('lamp'), 0);
    assert.deepEqual(firings('lamp-when-cold', since).map((f) => f.fired), ['then', 'else', 'then', 'else']);
  });

  test('a rule that feeds itself is damped: at most 20 firings, then $error and a pause', async () => {
    const since = broker.probe.mark();
    await broker.probe.publish(T('buzzer/set'), 'ON');
    const err = await broker.probe.waitFor(T('$error'), (p) => JSON.parse(p).topic === T('$rules/flip'), 3_000, since);
    assert.match(JSON.parse(err.payload).error, /flip: fired 20 times within 1000 ms; paused for 10000 ms/);
    await sleep(1_000);
    const fired = firings('flip', since);
    assert.equal(fired.length, 20, `${fired.length} firings`);
    const states = broker.probe.on(T('buzzer')).filter((m: Seen) => m.seq >= since).length;
    assert.ok(states <= 22, `${states} buzzer states`);
    const listed = await ask(broker.probe, N, 'rules');
    assert.ok(listed.data.rules.find((x: { id: string }) => x.id === 'flip').pausedUntil, 'the listing says it is paused');
    // Other rules are not held up by it.
    const hot = broker.probe.mark();
    await setTemperature(26);
    await stateIs('fan', 'ON', hot, 4_000);
    await ask(broker.probe, N, 'disable', { id: 'flip' });
    const cooled = broker.probe.mark();
    await setTemperature(21.5);
    await stateIs('fan', 'OFF', cooled);
  });
});
