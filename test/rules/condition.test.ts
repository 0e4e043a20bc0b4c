import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConditionEvaluator, factsOf, mapFacts } from '../../src/rules/condition.js';
import type { Condition } from '../../src/schemes/rule-schema.js';

const hot: Condition = { fact: 'climate', path: '$.temperature', operator: 'greaterThan', value: 25 };
const doorOpen: Condition = { fact: 'door', path: '$.state', operator: 'equal', value: 'OPEN' };

test('ConditionEvaluator: three-valued results, a fact with no value is unknown', async () => {
  const table: [string, Condition, Record<string, unknown>, boolean | undefined][] = [
    ['true', { all: [hot] }, { climate: { temperature: 26 } }, true],
    ['false', { all: [hot] }, { climate: { temperature: 24 } }, false],
    ['no fact yet', { all: [hot] }, {}, undefined],
    ['no such field', { all: [hot] }, { climate: { humidity: 40 } }, undefined],
    ['a null field', { all: [hot] }, { climate: { temperature: null } }, undefined],
    ['not of unknown stays unknown', { not: doorOpen }, {}, undefined],
    ['not of false', { not: doorOpen }, { door: { state: 'CLOSED' } }, true],
    ['any: one true is enough', { any: [hot, doorOpen] }, { climate: { temperature: 30 } }, true],
    ['any: false and unknown', { any: [hot, doorOpen] }, { climate: { temperature: 20 } }, undefined],
    ['all: one false is enough', { all: [hot, doorOpen] }, { climate: { temperature: 20 } }, false],
    ['all: true and unknown', { all: [hot, doorOpen] }, { climate: { temperature: 30 } }, undefined],
    ['nested', { all: [hot, { any: [doorOpen, { not: doorOpen }] }] }, { climate: { temperature: 30 }, door: { state: 'CLOSED' } }, true],
    ['remote fact name', { all: [{ ...hot, fact: 'b-node/temp' }] }, { 'b-node/temp': { temperature: 26 } }, true],
    ['compare two facts', { all: [{ fact: 'a', path: '$.t', operator: 'greaterThan', value: { fact: 'b', path: '$.t' } }] }, { a: { t: 2 }, b: { t: 1 } }, true],
    ['compare with a missing fact', { all: [{ fact: 'a', path: '$.t', operator: 'greaterThan', value: { fact: 'b', path: '$.t' } }] }, { a: { t: 2 } }, undefined],
    ['in', { all: [{ fact: 'm', path: '$.mode', operator: 'in', value: ['eco', 'away'] }] }, { m: { mode: 'away' } }, true],
  ];
  for (const [what, when, facts, expected] of table) {
    assert.equal(await new ConditionEvaluator(when).evaluate(facts), expected, what);
  }
});

test('factsOf and mapFacts find and rename every fact, also in value references', () => {
  const when: Condition = { all: [hot, { not: { fact: 'me/door', operator: 'equal', value: { fact: 'me/lock' } } }, { any: [hot] }] };
  assert.deepEqual(factsOf(when), ['climate', 'me/door', 'me/lock']);
  const renamed = mapFacts(when, (f) => f.replace(/^me\//, ''));
  assert.deepEqual(factsOf(renamed), ['climate', 'door', 'lock']);
  assert.deepEqual(factsOf(when), ['climate', 'me/door', 'me/lock'], 'the original is untouched');
});
