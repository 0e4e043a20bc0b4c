import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus, type Events } from '../../src/core/bus.js';
import { silentLogger } from '../../src/core/log.js';
import { RuleEngine, type RuleEngineOptions } from '../../src/rules/index.js';
import { FakeClock, fakeActions, loadRule, settle } from './fakes.js';

const fanWhenHot = {
  id: 'fan-when-hot',
  when: { fact: 'kitchen-climate', path: '$.temperature', operator: 'greaterThan', value: 25 },
  for: '10s',
  then: [{ set: { output: 'kitchen-fan', value: 'ON' } }],
  else: [{ set: { output: 'kitchen-fan', value: 'OFF' } }],
};

function setup(rules: Record<string, unknown>[], opts: Partial<RuleEngineOptions> = {}) {
  const bus = new EventBus(silentLogger);
  const clock = new FakeClock();
  const actions = fakeActions();
  const errors: Events['error'][] = [];
  bus.on('error', errors, (e) => void errors.push(e));
  const engine = new RuleEngine({
    rules: rules.map((r, i) => loadRule(r, i + 1)),
    node: 'a-node',
    base: 'han',
    bus,
    log: silentLogger,
    actions,
    clock,
    ...opts,
  });
  const state = (id: string, reading: Record<string, number | string>) =>
    bus.emit('state', { id, direction: 'input', state: reading, ts: clock.now() });
  return { bus, clock, actions, errors, engine, state };
}

test('RuleEngine: the fan goes ON only after for: has elapsed, OFF when it cools, each firing once', async (t) => {
  const { clock, actions, engine, state } = setup([fanWhenHot]);
  await engine.start();
  t.after(() => engine.stop());
  state('kitchen-climate', { temperature: 21 });
  await settle();
  assert.deepEqual(actions.calls.set, [], 'no else for a condition that never held');

  state('kitchen-climate', { temperature: 26 });
  await clock.advance(9_999);
  assert.deepEqual(actions.calls.set, [], 'not before 10 s');
  state('kitchen-climate', { temperature: 26.4 }); // still hot: the hold goes on, it does not restart
  await clock.advance(1);
  assert.deepEqual(actions.calls.set, [['kitchen-fan', 'ON']]);
  state('kitchen-climate', { temperature: 27 });
  await clock.advance(20_000);
  assert.deepEqual(actions.calls.set, [['kitchen-fan', 'ON']], 'then runs once, not at every evaluation');

  state('kitchen-climate', { temperature: 22 });
  await settle();
  assert.deepEqual(actions.calls.set, [['kitchen-fan', 'ON'], ['kitchen-fan', 'OFF']]);
  state('kitchen-climate', { temperature: 21 });
  await settle();
  assert.equal(actions.calls.set.length, 2, 'else runs once');

  const firings = actions.firings('fan-when-hot');
  assert.deepEqual(firings, [
    { fired: 'then', ts: new Date(Date.UTC(2025, 0, 1, 0, 0, 10)).toISOString() },
    { fired: 'else', ts: new Date(Date.UTC(2025, 0, 1, 0, 0, 30)).toISOString() },
  ]);
  const rulesTopic = actions.calls.publish.filter(([topic]) => topic === 'han/a-node/$rules/fan-when-hot');
  assert.ok(rulesTopic.every(([, , opts]) => opts.retain === false));
});

test('RuleEngine: a condition that drops before for: ends fires nothing, not even else', async (t) => {
  const { clock, actions, engine, state } = setup([fanWhenHot]);
  await engine.start();
  t.after(() => engine.stop());
  state('kitchen-climate', { temperature: 26 });
  await clock.advance(5_000);
  state('kitchen-climate', { temperature: 20 });
  await clock.advance(30_000);
  assert.deepEqual(actions.calls.set, []);
  assert.deepEqual(actions.firings(), []);
  // And the next rise waits the full 10 s again.
  state('kitchen-climate', { temperature: 26 });
  await clock.advance(9_000);
  assert.deepEqual(actions.calls.set, []);
  await clock.advance(1_000);
  assert.deepEqual(actions.calls.set, [['kitchen-fan', 'ON']]);
});

test('RuleEngine: changes within one event-loop turn are evaluated once', async (t) => {
  const { actions, engine, state } = setup([{ ...fanWhenHot, for: undefined }]);
  await engine.start();
  t.after(() => engine.stop());
  for (const temperature of [26, 20, 27, 19, 30]) state('kitchen-climate', { temperature });
  await settle();
  assert.deepEqual(actions.calls.set, [['kitchen-fan', 'ON']]);
  assert.equal(actions.firings().length, 1);
});

test('RuleEngine: every: 1s fires 3 times in 3.5 s', async (t) => {
  const { clock, actions, engine } = setup([{ id: 'tick', every: '1s', then: [{ publish: { topic: 'han/x/tick', payload: 'tick' } }] }]);
  await engine.start();
  t.after(() => engine.stop());
  await clock.advance(3_500);
  assert.equal(actions.firings('tick').length, 3);
  assert.deepEqual(
    actions.calls.publish.filter(([topic]) => topic === 'han/x/tick'),
    [1, 2, 3].map(() => ['han/x/tick', 'tick', { retain: false, qos: 1 }]),
  );
  assert.equal(engine.list()[0]!.schedule, 'every 1s');
});

test('RuleEngine: a cron rule runs at its time on a fake clock', async (t) => {
  const bus = new EventBus(silentLogger);
  const clock = new FakeClock(new Date(2025, 6, 1, 14, 0, 0));
  const actions = fakeActions();
  const engine = new RuleEngine({
    rules: [loadRule({ id: 'afternoon-check', schedule: '30 14 * * *', then: [{ publish: { topic: 'han/hall-pi/hall-display/set', payload: 'Check the water tank' } }] })],
    node: 'a-node',
    base: 'han',
    bus,
    log: silentLogger,
    actions,
    clock,
  });
  await engine.start();
  t.after(() => engine.stop());
  assert.equal(engine.list()[0]!.next, new Date(2025, 6, 1, 14, 30, 0).toISOString());
  await clock.advance(29 * 60_000);
  assert.equal(actions.firings().length, 0);
  await clock.advance(60_000);
  assert.deepEqual(actions.firings('afternoon-check'), [{ fired: 'then', ts: new Date(2025, 6, 1, 14, 30, 0).toISOString() }]);
  assert.deepEqual(actions.calls.publish.at(-1), ['han/hall-pi/hall-display/set', 'Check the water tank', { retain: false, qos: 1 }]);
  await clock.advance(2 * 24 * 3_600_000);
  assert.equal(actions.firings().length, 3);
});

test('RuleEngine: a scheduled rule with when runs then only while the condition holds', async (t) => {
  const { clock, actions, engine, state } = setup([
    { id: 'report', every: '1m', when: { fact: 'tank', path: '$.level', operator: 'lessThan', value: 10 }, then: [{ publish: { topic: 't', payload: 'low' } }], else: [{ publish: { topic: 't', payload: 'ok' } }] },
  ]);
  await engine.start();
  t.after(() => engine.stop());
  await clock.advance(60_000);
  assert.equal(actions.firings().length, 0, 'nothing while the fact is unknown');
  state('tank', { level: 5 });
  await clock.advance(60_000);
  state('tank', { level: 50 });
  await clock.advance(60_000);
  assert.deepEqual(
    actions.calls.publish.filter(([topic]) => topic === 't').map(([, p]) => p),
    ['low', 'ok'],
    'the fact changes themselves fire nothing; the ticks do',
  );
});

test('RuleEngine: a fact from another node comes through the subscribe hook', async (t) => {
  const { actions, engine } = setup([
    { id: 'remote-hot', when: { fact: 'b-node/temp', path: '$.temperature', operator: 'greaterThan', value: 25 }, then: [{ set: { output: 'kitchen-fan', value: 'ON' } }] },
    { id: 'own-node', when: { fact: 'a-node/kitchen-climate', path: '$.temperature', operator: 'greaterThan', value: 25 }, then: [{ set: { output: 'a-node/kitchen-fan', value: 'ON' } }] },
  ]);
  await engine.start();
  t.after(() => engine.stop());
  assert.deepEqual([...actions.calls.subscribed.keys()], ['han/b-node/temp'], "this node's own N/S facts come from the bus, not MQTT");
  const handler = actions.calls.subscribed.get('han/b-node/temp')!;
  handler({ temperature: 20, ts: '2025-01-01T00:00:00.000Z' });
  await settle();
  assert.deepEqual(actions.calls.set, []);
  handler({ temperature: 30, ts: '2025-01-01T00:00:01.000Z' });
  await settle();
  assert.deepEqual(actions.calls.set, [['kitchen-fan', 'ON']]);
  assert.deepEqual(engine.list().map((r) => [r.id, r.state]), [['remote-hot', 'true'], ['own-node', 'unknown']]);
});

test('RuleEngine: set on another node publishes to its set topic; publish and notify pass their options', async (t) => {
  const { actions, engine, state } = setup([
    {
      id: 'cascade',
      when: { fact: 'button', path: '$.state', operator: 'equal', value: 'ON' },
      then: [
        { set: { output: 'b-node/fan', value: 'ON' } },
        { set: { output: 'b-node/fan', value: { state: 'ON', for: '5s' } } },
        { publish: { topic: 'home/alert', payload: { level: 3 }, retain: true, qos: 0 } },
        { publish: { topic: 'home/count', payload: 7 } },
        { notify: { bridge: 'cloud', message: 'pressed' } },
      ],
    },
  ]);
  await engine.start();
  t.after(() => engine.stop());
  state('button', { state: 'ON' });
  await settle();
  const sent = actions.calls.publish.filter(([topic]) => !topic.includes('$rules'));
  assert.deepEqual(sent, [
    ['han/b-node/fan/set', 'ON', { retain: false, qos: 1 }],
    ['han/b-node/fan/set', '{"state":"ON","for":"5s"}', { retain: false, qos: 1 }],
    ['home/alert', '{"level":3}', { retain: true, qos: 0 }],
    ['home/count', '7', { retain: false, qos: 1 }],
  ]);
  assert.deepEqual(actions.calls.notify, [['cloud', { message: 'pressed' }]]);
  assert.deepEqual(actions.calls.set, []);
});

test('RuleEngine: a failing action gives an error event and the engine keeps working', async (t) => {
  const { bus, clock } = setup([]);
  const actions = fakeActions(async (output) => {
    if (output === 'kitchen-fan') throw new Error('kitchen-fan is offline: EIO');
  });
  const errors: Events['error'][] = [];
  bus.on('error', errors, (e) => void errors.push(e));
  const engine = new RuleEngine({
    rules: [loadRule({ ...fanWhenHot, for: undefined, then: [{ set: { output: 'kitchen-fan', value: 'ON' } }, { set: { output: 'hall-light', value: 'ON' } }] })],
    node: 'a-node',
    base: 'han',
    bus,
    log: silentLogger,
    actions,
    clock,
  });
  await engine.start();
  t.after(() => engine.stop());
  const state = (temperature: number) => bus.emit('state', { id: 'kitchen-climate', direction: 'input', state: { temperature }, ts: clock.now() });
  state(30);
  await settle();
  assert.deepEqual(errors, [{ topic: 'han/a-node/$rules/fan-when-hot', error: 'fan-when-hot: set kitchen-fan: kitchen-fan is offline: EIO' }]);
  assert.deepEqual(actions.calls.set, [['kitchen-fan', 'ON'], ['hall-light', 'ON']], 'the next action still ran');
  state(20);
  await settle();
  state(31);
  await settle();
  assert.equal(actions.firings('fan-when-hot').length, 3, 'the rule keeps firing');
  assert.equal(errors.length, 3);
});

test('RuleEngine: a rule that feeds itself is damped: one firing per turn, then paused after 20 in 1 s', async (t) => {
  const bus = new EventBus(silentLogger);
  const clock = new FakeClock();
  let fan = 'OFF';
  // The worst case: the output answers at once, and the new state flips the rule's own condition.
  const actions = fakeActions(async (output, value) => {
    fan = value as string;
    bus.emit('state', { id: output, direction: 'output', state: { state: fan }, ts: clock.now() });
  });
  const errors: Events['error'][] = [];
  bus.on('error', errors, (e) => void errors.push(e));
  const engine = new RuleEngine({
    rules: [
      loadRule({
        id: 'flip-flop',
        when: { fact: 'fan', path: '$.state', operator: 'equal', value: 'OFF' },
        then: [{ set: { output: 'fan', value: 'ON' } }],
        else: [{ set: { output: 'fan', value: 'OFF' } }],
      }),
    ],
    node: 'a-node',
    base: 'han',
    bus,
    log: silentLogger,
    actions,
    clock,
  });
  await engine.start();
  t.after(() => engine.stop());
  bus.emit('state', { id: 'fan', direction: 'output', state: { state: 'OFF' }, ts: clock.now() });
  let before = 0;
  for (let turn = 0; turn < 200; turn++) {
    await settle(1);
    const now = actions.firings('flip-flop').length;
    assert.ok(now - before <= 1, `${now - before} firings in one event-loop turn`);
    before = now;
  }
  assert.equal(actions.firings('flip-flop').length, 20);
  assert.equal(errors.length, 1);
  assert.equal(errors[0]!.topic, 'han/a-node/$rules/flip-flop');
  assert.match(errors[0]!.error, /^flip-flop: fired 20 times within 1000 ms; paused for 10000 ms/);
  assert.equal(engine.list()[0]!.pausedUntil, new Date(clock.now().getTime() + 10_000).toISOString());

  // Other rules' work goes on meanwhile; after the pause the rule is evaluated again.
  await clock.advance(10_000);
  await settle(200);
  assert.equal(actions.firings('flip-flop').length, 40);
  assert.equal(errors.length, 2);
});

test('RuleEngine: enable and disable', async (t) => {
  const { actions, engine, state } = setup([{ ...fanWhenHot, for: undefined }, { id: 'other', every: '1h', then: [{ publish: { topic: 'x', payload: 'y' } }] }], { disabled: ['other'] });
  assert.throws(() => engine.setEnabled('nope', false), /no rule 'nope' on this node; rules: fan-when-hot, other/);
  assert.equal(engine.has('fan-when-hot'), true);
  assert.equal(engine.has('nope'), false);
  await engine.start();
  t.after(() => engine.stop());
  assert.deepEqual(engine.list().map((r) => [r.id, r.enabled]), [['fan-when-hot', true], ['other', false]]);
  assert.equal(engine.list()[1]!.next, undefined, 'a disabled schedule is not armed');

  engine.setEnabled('fan-when-hot', false);
  state('kitchen-climate', { temperature: 30 });
  await settle();
  assert.deepEqual(actions.calls.set, [], 'a disabled rule does not fire');
  engine.setEnabled('fan-when-hot', true);
  await settle();
  assert.deepEqual(actions.calls.set, [['kitchen-fan', 'ON']], 'enabling evaluates it at once');
  const [info] = engine.list();
  assert.deepEqual({ ...info, lastFired: undefined }, { id: 'fan-when-hot', enabled: true, state: 'true', lastFired: undefined, file: 'schemes/rules.yaml:1:5' });
  assert.equal(info!.lastFired?.fired, 'then');
});

test('RuleEngine: a rule already true at start fires then once; facts unknown fire nothing', async (t) => {
  const { actions, engine, state } = setup([
    { id: 'when-closed', when: { not: { fact: 'door', path: '$.state', operator: 'equal', value: 'OPEN' } }, then: [{ set: { output: 'lock', value: 'ON' } }] },
    { ...fanWhenHot, for: undefined },
  ]);
  engine.setFact('kitchen-climate', { temperature: 28, ts: '2025-01-01T00:00:00.000Z' });
  await engine.start();
  t.after(() => engine.stop());
  await settle();
  assert.deepEqual(actions.calls.set, [['kitchen-fan', 'ON']], 'the door rule waits for the door');
  assert.equal(engine.list()[0]!.state, 'unknown');
  state('door', { state: 'CLOSED' });
  await settle();
  assert.deepEqual(actions.calls.set.at(-1), ['lock', 'ON']);
});

test('RuleEngine: stop clears timers, schedules and listeners', async () => {
  const { clock, actions, engine, state } = setup([fanWhenHot, { id: 'tick', every: '1s', then: [{ publish: { topic: 'x', payload: 'y' } }] }]);
  await engine.start();
  state('kitchen-climate', { temperature: 30 });
  await settle();
  assert.ok(clock.pending >= 2);
  await engine.stop();
  assert.equal(clock.pending, 0);
  state('kitchen-climate', { temperature: 10 });
  await clock.advance(60_000);
  assert.deepEqual(actions.calls.publish, []);
  assert.deepEqual(actions.calls.set, []);
});

test('RuleEngine: a rule disabled in its file but enabled at run time before a restart starts enabled', async () => {
  const { engine } = setup([{ id: 'quiet', enabled: false, every: '1h', then: [{ publish: { topic: 'x', payload: 'y' } }] }], { enabled: ['quiet'] });
  await engine.start();
  assert.equal(engine.list().find((r) => r.id === 'quiet')!.enabled, true);
  await engine.stop();
  const plain = setup([{ id: 'quiet', enabled: false, every: '1h', then: [{ publish: { topic: 'x', payload: 'y' } }] }]);
  await plain.engine.start();
  assert.equal(plain.engine.list().find((r) => r.id === 'quiet')!.enabled, false);
  await plain.engine.stop();
});
