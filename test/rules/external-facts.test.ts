// `facts:` in a rule (README "Rules"): how a declaration is checked, the limit on topics at its
// bound, and the value a payload gives (JSON, a JSONPath into it, or text).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus, type Events } from '../../src/core/bus.js';
import { silentLogger } from '../../src/core/log.js';
import { RuleEngine } from '../../src/rules/index.js';
import { externalValue } from '../../src/rules/engine.js';
import { loadSchemeTexts, formatProblem } from '../../src/schemes/loader.js';
import { MAX_EXTERNAL_FACTS, MAX_FACT_PAYLOAD_BYTES } from '../../src/core/limits.js';
import { FakeClock, fakeActions, loadRule, settle } from './fakes.js';
import { builtins } from '../helpers/drivers.js';

const problems = (text: string) => loadSchemeTexts([{ file: 'r.yaml', text }], builtins).problems.map(formatProblem);

function rulesReading(topics: number): string {
  const lines = ['rules:'];
  for (let i = 0; i < topics; i++) {
    lines.push(`  - id: r${i}`, `    facts: { f: sensors/s${i} }`, `    when: { fact: f, operator: greaterThan, value: 1 }`, `    then: [ { publish: { topic: out/${i}, payload: x } } ]`);
  }
  return lines.join('\n') + '\n';
}

test('facts: declarations are checked where they are written', () => {
  assert.deepEqual(
    problems(
      [
        'rules:',
        '  - id: r',
        '    facts:',
        '      any-plug: tele/+/SENSOR',
        '      Bad_Name: x/y',
        '      deep: { topic: a/b, path: ENERGY.Power }',
        '    when: { fact: plugg, operator: greaterThan, value: 1 }',
        '    then: [ { publish: { topic: out/x, payload: x } } ]',
        '',
      ].join('\n'),
    ),
    [
      'r.yaml:4:17: expected one topic, without the wildcards + and #: each fact is one topic, got "tele/+/SENSOR"',
      "r.yaml:5:17: 'Bad_Name' is not a fact name: expected lower-case letters, digits and dashes",
      'r.yaml:6:33: expected a JSONPath such as $.ENERGY.Power, got "ENERGY.Power"',
    ],
  );
  assert.deepEqual(
    problems('rules:\n  - id: r\n    facts: { plug: tele/plug/SENSOR }\n    when: { fact: plugg, operator: greaterThan, value: 1 }\n    then: [ { publish: { topic: out/x, payload: x } } ]\n'),
    ["r.yaml:4:19: unknown fact 'plugg'; did you mean 'plug'?"],
  );
});

test(`facts: at most ${MAX_EXTERNAL_FACTS} topics on a node; one more is a problem at its declaration`, () => {
  assert.deepEqual(problems(rulesReading(MAX_EXTERNAL_FACTS)), []);
  const over = problems(rulesReading(MAX_EXTERNAL_FACTS + 1));
  assert.deepEqual(over, [`r.yaml:${2 + 4 * MAX_EXTERNAL_FACTS + 1}:17: the rules of a node may read facts from at most ${MAX_EXTERNAL_FACTS} topics; this is one more`]);
});

test('facts: the value of a payload', () => {
  const json = { topic: 't', format: 'json' as const };
  assert.deepEqual(externalValue(json, Buffer.from('21.5')), { value: 21.5 });
  assert.deepEqual(externalValue(json, Buffer.from('{"a":{"b":[1,2]}}')), { value: { a: { b: [1, 2] } } });
  assert.deepEqual(externalValue({ ...json, path: '$.a.b[1]' }, Buffer.from('{"a":{"b":[1,2]}}')), { value: 2 });
  assert.deepEqual(externalValue({ ...json, path: '$.a.c' }, Buffer.from('{"a":{}}')), { problem: 'the payload has nothing at $.a.c' });
  assert.deepEqual(externalValue({ ...json, path: '$.a' }, Buffer.from('7')), { problem: 'expected a JSON object or list to find $.a in, got 7' });
  assert.deepEqual(externalValue({ topic: 't', format: 'text' }, Buffer.from('ON')), { value: 'ON' });
  assert.ok('value' in externalValue({ topic: 't', format: 'text' }, Buffer.alloc(MAX_FACT_PAYLOAD_BYTES, 0x41)), 'at the limit');
  assert.deepEqual(externalValue({ topic: 't', format: 'text' }, Buffer.alloc(MAX_FACT_PAYLOAD_BYTES + 1, 0x41)), {
    problem: `payload of ${MAX_FACT_PAYLOAD_BYTES + 1} bytes is over the limit of 16 KiB for a fact`,
  });
});

test('facts: a text fact drives a rule; a bad payload is reported once per problem and makes the fact unknown; stop unsubscribes', async () => {
  const bus = new EventBus(silentLogger);
  const actions = fakeActions();
  const errors: Events['error'][] = [];
  bus.on('error', errors, (e) => void errors.push(e));
  const engine = new RuleEngine({
    rules: [
      loadRule({
        id: 'porch',
        facts: { motion: { topic: 'esphome-porch/binary_sensor/motion/state', format: 'text' }, lux: 'esphome-porch/sensor/lux/state' },
        when: { all: [{ fact: 'motion', operator: 'equal', value: 'ON' }, { fact: 'lux', operator: 'lessThan', value: 10 }] },
        then: [{ set: { output: 'porch-light', value: 'ON' } }],
      }),
    ],
    node: 'n',
    base: 'han',
    bus,
    log: silentLogger,
    actions,
    clock: new FakeClock(),
  });
  await engine.start();
  const motion = actions.calls.watched.get('esphome-porch/binary_sensor/motion/state')!;
  const lux = actions.calls.watched.get('esphome-porch/sensor/lux/state')!;
  motion(Buffer.from('ON'));
  lux(Buffer.from('oops'));
  lux(Buffer.from('oops'));
  await settle();
  assert.deepEqual(actions.calls.set, []);
  assert.deepEqual(errors.map((e) => e.topic), ['esphome-porch/sensor/lux/state'], 'reported once');
  assert.equal(engine.list()[0]!.state, 'unknown');
  lux(Buffer.from('3'));
  await settle();
  assert.deepEqual(actions.calls.set, [['porch-light', 'ON']]);
  await engine.stop();
  assert.equal(actions.calls.watched.size, 0, 'no topic is listened to once the rules stop');
});
