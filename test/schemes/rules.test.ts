import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateRule } from '../../src/schemes/schema.js';
import { SCHEME_REF, isRemoteRef } from '../../src/schemes/rule-schema.js';

const then = [{ set: { output: 'fan', value: 'ON' } }];
const leaf = { fact: 'climate', path: '$.temperature', operator: 'greaterThan', value: 25 };

/** [rule, expected problems as "path@at: message"] */
const BAD: [unknown, string[]][] = [
  [{ id: 'r', when: { all: [{ ...leaf, operator: 'greaterThen' }] }, then }, ["when.all.0.operator@value: unknown operator 'greaterThen'; did you mean 'greaterThan'?"]],
  [{ id: 'r', when: { all: [{ ...leaf, operator: 'bigger' }] }, then }, [
    "when.all.0.operator@value: unknown operator 'bigger'; expected one of equal, notEqual, lessThan, lessThanInclusive, greaterThan, greaterThanInclusive, in, notIn, contains, doesNotContain",
  ]],
  [{ id: 'r', when: { all: [{ fact: 'climate', operator: 'equal' }] }, then }, ["when.all.0@value: missing required option 'value'"]],
  [{ id: 'r', when: { all: [{ fact: 'climate', value: 1 }] }, then }, ["when.all.0@value: missing required option 'operator'"]],
  [{ id: 'r', when: { all: [{ ...leaf, operater: 'equal' }] }, then }, ["when.all.0.operater@key: unknown option 'operater' in condition; did you mean 'operator'?"]],
  [{ id: 'r', when: { all: [leaf], any: [leaf] }, then }, ['when@value: expected one of all, any or not in a condition, got all and any']],
  [{ id: 'r', when: { all: [leaf], fact: 'x' }, then }, ["when@value: a condition is either 'all' or a fact test, not both (found fact)"]],
  [{ id: 'r', when: { all: [] }, then }, ['when.all@value: expected at least 1 entry, got 0']],
  [{ id: 'r', when: { not: { any: [{ ...leaf, path: 'temperature' }] } }, then }, ['when.not.any.0.path@value: expected a JSONPath such as $.temperature, got "temperature"']],
  [{ id: 'r', when: { all: [{ ...leaf, fact: 'Climate' }] }, then }, ['when.all.0.fact@value: expected a scheme id, or NODE/SCHEME for a scheme on another node, got "Climate"']],
  [{ id: 'r', every: '1s' }, ["@value: missing required option 'then'"]],
  [{ id: 'r', every: '1s', then: [] }, ['then@value: expected at least 1 entry, got 0']],
  [{ id: 'r', then }, ["@value: a rule needs 'when', 'schedule' or 'every' to say when it runs"]],
  [{ id: 'r', every: '0s', then }, ['every@value: expected a duration longer than 0, got 0']],
  [{ id: 'r', every: 'soon', then }, ['every@value: expected a duration such as 500ms, 30s, 5m or 1h, got "soon"']],
  [{ id: 'r', every: '1s', schedule: '* * * * *', then }, ["every@value: use either 'schedule' or 'every', not both"]],
  [{ id: 'r', every: '1s', for: '5s', then }, ["for@value: 'for' needs a 'when' condition to hold"]],
  [{ id: 'r', every: '1s', then, else: then }, ["else@value: 'else' runs when a 'when' condition stops holding, and this rule has no 'when'"]],
  [{ id: 'r', whn: { all: [leaf] }, then }, ["whn@key: unknown option 'whn' in rule; did you mean 'when'?"]],
  [{ id: 'R 1', every: '1s', then }, ['id@value: expected lower-case letters, digits and dashes, starting with a letter or digit, got "R 1"']],
  [{ id: 'r', schedule: '0 3 * *', then }, ['schedule@value: expected a cron expression with 5 fields (minute hour day month weekday) or 6 (seconds first), got 4']],
  [{ id: 'r', schedule: '0 3 * * * * *', then }, ['schedule@value: expected a cron expression with 5 fields (minute hour day month weekday) or 6 (seconds first), got 7']],
  [{ id: 'r', schedule: '0 3 * * $', then }, ["schedule@value: unexpected character in cron field '$'"]],
  [{ id: 'r', schedule: '61 3 * * *', then }, ['schedule@value: invalid cron expression: Invalid value for minute: 61']],
  [{ id: 'r', schedule: '0 0 31 2 *', then }, ['schedule@value: cron expression "0 0 31 2 *" never fires']],
  [{ id: 'r', every: '1s', then: [{ sett: { output: 'fan', value: 1 } }] }, ["then.0.sett@key: unknown action 'sett'; did you mean 'set'?"]],
  [{ id: 'r', every: '1s', then: [{}] }, ['then.0@value: expected an action: set, publish or notify']],
  [{ id: 'r', every: '1s', then: [{ set: { output: 'fan', value: 1 }, publish: { topic: 't', payload: 1 } }] }, ['then.0@value: expected one action per entry, got set and publish; give each its own entry']],
  [{ id: 'r', every: '1s', then: [{ set: { output: 'fan' } }] }, ["then.0.set@value: missing required option 'value'"]],
  [{ id: 'r', every: '1s', then: [{ set: { output: 'a/b/c', value: 1 } }] }, ['then.0.set.output@value: expected a scheme id, or NODE/SCHEME for an output on another node, got "a/b/c"']],
  [{ id: 'r', every: '1s', then: [{ publish: { topic: 'han/#', payload: 1 } }] }, ['then.0.publish.topic@value: expected a topic without the wildcards + and #, got "han/#"']],
  [{ id: 'r', every: '1s', then: [{ publish: { topic: 'han/x', payload: 1, qos: 3 } }] }, ['then.0.publish.qos@value: expected one of 0, 1, 2, got 3']],
  [{ id: 'r', every: '1s', then: [{ notify: { message: 'hi' } }] }, ["then.0.notify@value: missing required option 'bridge'"]],
  [{ id: 'r', every: '1s', else: [{ sett: 1 }], then }, [
    "else.0.sett@key: unknown action 'sett'; did you mean 'set'?",
  ]],
];

for (const [rule, expected] of BAD) {
  test(`validateRule rejects ${JSON.stringify(rule)}`, () => {
    const result = validateRule(rule);
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.deepEqual(result.problems.map((p) => `${p.path.join('.')}@${p.at}: ${p.message}`), expected);
  });
}

test('validateRule parses: durations in ms, enabled by default, a single test wrapped in all', () => {
  const result = validateRule({ id: 'hot', when: leaf, for: '10s', then, else: [{ publish: { topic: 'han/x', payload: { a: 1 }, retain: true, qos: 0 } }] });
  assert.deepEqual(result, {
    ok: true,
    rule: { id: 'hot', when: { all: [leaf] }, for: 10_000, then, else: [{ publish: { topic: 'han/x', payload: { a: 1 }, retain: true, qos: 0 } }], enabled: true },
  });
  const nested = { any: [leaf, { not: { ...leaf, operator: 'in', value: [1, 2] } }] };
  assert.deepEqual(validateRule({ id: 'n', when: nested, then }), { ok: true, rule: { id: 'n', when: nested, then, enabled: true } });
});

test('schedules: 5 or 6 fields, names, ranges, nicknames; notify passes its options through', () => {
  for (const schedule of ['30 14 * * *', '*/10 * * * * *', '0 9 * * MON-FRI', '0 0 L * *', '@daily', '0 0 1,15 * *']) {
    assert.equal(validateRule({ id: 'r', schedule, then }).ok, true, schedule);
  }
  const notify = validateRule({ id: 'r', every: '1m', then: [{ notify: { bridge: 'cloud', message: 'hi', level: 2 } }] });
  assert.deepEqual(notify.ok && notify.rule.then, [{ notify: { bridge: 'cloud', message: 'hi', level: 2 } }]);
});

test('scheme references: local ids and NODE/SCHEME', () => {
  const cases: [string, boolean, boolean][] = [['fan', true, false], ['kitchen-pi/fan', true, true], ['a/b/c', false, true], ['Fan', false, false], ['/fan', false, true]];
  for (const [ref, valid, remote] of cases) {
    assert.equal(SCHEME_REF.test(ref), valid, ref);
    assert.equal(isRemoteRef(ref), remote, ref);
  }
});
