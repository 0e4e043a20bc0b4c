import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Template, TemplateError, firstOf, formatValue, objectLookup, referencedIds, statesLookup } from '../../src/drivers-out/template.js';
import { fakeStates } from './display-helpers.js';

const states = fakeStates({ 'kitchen-climate': { temperature: 21.5, humidity: 40 }, door: { state: 'ON' } });
const lookup = firstOf(objectLookup({ value: 42, text: 'hi', nested: { level: 3 }, flag: false, none: null }), statesLookup(states));

test('template: rendering table', () => {
  const rows: [string, string][] = [
    ['{{kitchen-climate.temperature}} °C', '21.5 °C'],
    ['{{ kitchen-climate.humidity }}%', '40%'],
    ['T={{kitchen-climate.temperature}} H={{kitchen-climate.humidity}}', 'T=21.5 H=40'],
    ['{{value}}/{{text}}', '42/hi'],
    ['{{nested.level}}', '3'],
    ['{{flag}}', 'false'],
    ['door {{door.state}}', 'door ON'],
    ['{{nowhere.temperature}} °C', '-- °C'],
    ['{{kitchen-climate.pressure}}', '--'],
    ['{{none}}', '--'],
    ['no tags at all', 'no tags at all'],
    ['{{ kitchen-climate.temperature | fixed: 2 }}', '21.50'],
    ['{{ door.state | default: "?" }} {{ nowhere.x | default: "?" }}', 'ON ?'],
    ['{% if value > 40 %}high{% else %}low{% endif %}', 'high'],
    ['no tags at all', 'no tags at all'],
    ['a single { brace }', 'a single { brace }'],
    ['', ''],
  ];
  for (const [source, want] of rows) assert.equal(new Template(source).render(lookup, { missing: '--' }), want, source);
});

test('template: a malformed tag is an error that says where, not text shown as it is', () => {
  for (const [source, want] of [
    ['{{ not closed', /template line 1, col 1: output "\{\{ not closed" not closed/],
    ['ok\n{{ value | nofilter }}', /template line 2, col 1: undefined filter: nofilter/],
    ['{% include "secrets.yaml" %}', /'include' is not available: templates cannot read files/],
  ] as const) {
    assert.throws(() => new Template(source), (err: Error) => err instanceof TemplateError && want.test(err.message), source);
  }
});

test('template: paths, referenced ids, single-tag values keep their type', () => {
  const t = new Template('{{kitchen-climate.temperature}} and {{door.state}} and {{kitchen-climate.humidity}}');
  assert.deepEqual(t.paths, [['kitchen-climate', 'temperature'], ['kitchen-climate', 'humidity'], ['door', 'state']]);
  assert.deepEqual([...referencedIds([t, new Template('{{value}}')])], ['kitchen-climate', 'door', 'value']);
  assert.equal(new Template('{{value}}').single, true);
  assert.equal(new Template(' {{value}}').single, false);
  assert.equal(new Template('{{value}}').value(lookup), 42);
  assert.equal(new Template('{{missing}}').value(lookup), null);
  assert.equal(new Template('v={{value}}').value(lookup), 'v=42');
});

test('template: encode applies to substituted values only', () => {
  const t = new Template('https://x.test/?q={{text}}&v={{value}}');
  const l = objectLookup({ text: 'a b&c', value: 1 });
  assert.equal(t.render(l, { encode: encodeURIComponent }), 'https://x.test/?q=a%20b%26c&v=1');
});

test('template: formatValue', () => {
  assert.equal(formatValue(undefined), undefined);
  assert.equal(formatValue(null), undefined);
  assert.equal(formatValue(0), '0');
  assert.equal(formatValue('x'), 'x');
  assert.equal(formatValue({ a: [1] }), '{"a":[1]}');
});

test('template: a state seen through watch wins over the stored one', () => {
  const latest = new Map([['kitchen-climate', { temperature: 23 }]]);
  assert.equal(new Template('{{kitchen-climate.temperature}}').render(statesLookup(states, latest)), '23');
  assert.equal(new Template('{{kitchen-climate}}').render(statesLookup(states)), '{"temperature":21.5,"humidity":40}');
});
