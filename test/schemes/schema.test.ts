import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateEntry, type Direction } from '../../src/schemes/schema.js';
import { editDistance, closest, didYouMean } from '../../src/core/suggest.js';
import { fakeRegistry } from './fake-drivers.js';

const registry = fakeRegistry();

/** [direction, entry, expected problems as "path@at: message"] */
const CASES: [Direction, unknown, string[]][] = [
  ['input', { id: 'a', driver: 'bme280', intervall: '30s' }, ["intervall@key: unknown option 'intervall' for driver bme280; did you mean 'interval'?"]],
  ['input', { id: 'a', driver: 'bme280', colour: 'red' }, ["colour@key: unknown option 'colour' for driver bme280"]],
  ['input', { id: 'a', driver: 'bme28' }, ["driver@value: unknown driver 'bme28'; did you mean 'bme280'?"]],
  ['input', { id: 'a', driver: 7 }, ['driver@value: expected a driver name, got 7']],
  ['input', { id: 'a', driver: 'gpio-in' }, ["@value: missing required option 'pin'"]],
  ['input', { id: 'a', driver: 'mcp3008', channel: 'abc' }, ['channel@value: expected a number, got "abc"']],
  ['input', { id: 'a', driver: 'mcp3008', channel: 1.5 }, ['channel@value: expected a whole number, got 1.5']],
  ['input', { id: 'a', driver: 'mcp3008', channel: 9 }, ['channel@value: expected at most 7, got 9']],
  ['input', { id: 'a', driver: 'mcp3008' }, ["@value: missing required option 'channel'"]],
  ['input', { id: 'a', driver: 'bme280', address: 0x50 }, ['address@value: expected one of 0x76, 0x77, got 0x50']],
  ['input', { id: 'a', driver: 'bme280', interval: 'often' }, ['interval@value: expected a duration such as 500ms, 30s, 5m or 1h, got "often"']],
  ['input', { id: 'a', driver: 'bme280', interval: -5 }, ['interval@value: expected at least 0, got -5']],
  ['input', { id: 'a', driver: 'bme280', qos: 3 }, ['qos@value: expected one of 0, 1, 2, got 3']],
  ['input', { id: 'a', driver: 'bme280', retain: 'yes' }, ['retain@value: expected true or false, got "yes"']],
  ['input', { id: 'a', driver: 'gpio-in', pin: 'pin7' }, ['pin@value: expected a BCM number or a line name such as "GPIO27", got "pin7"']],
  ['input', { id: 'a', driver: 'gpio-in', pin: true }, ['pin@value: expected a number or text, got true']],
  ['input', { id: 'a', driver: 'gpio-in', pin: null }, ['pin@value: expected a number or text, got nothing']],
  ['input', { id: 'status', driver: 'system' }, ["id@value: 'status' is reserved for the node's own status topic"]],
  ['input', { id: '$info', driver: 'system' }, ['id@value: expected lower-case letters, digits and dashes, starting with a letter or digit, got "$info"']],
  ['input', { driver: 'system' }, ["@value: missing required option 'id'"]],
  ['input', { id: 'a', driver: 'gpio-out', pin: 3 }, ["driver@value: 'gpio-out' is an output driver; put this entry under outputs"]],
  ['output', { id: 'a', driver: 'bme280' }, ["driver@value: 'bme280' is an input driver; put this entry under inputs"]],
  ['output', { id: 'a', driver: 'gpio-out', pin: 3, initial: 'on' }, ["initial@value: expected one of ON, OFF, got \"on\"; did you mean 'ON'?"]],
  ['output', { id: 'a', driver: 'gpio-out', pin: 3, durable: false }, ["durable@key: unknown option 'durable' for driver gpio-out"]],
  ['output', { id: 'a', driver: 'gpio-out', pin: 3, filters: [] }, ["filters@key: unknown option 'filters' for driver gpio-out"]],
  ['input', { id: 'a', driver: 'bme280', filters: [{ ofset: 1 }] }, ["filters.0.ofset@key: unknown filter 'ofset'; did you mean 'offset'?"]],
  ['input', { id: 'a', driver: 'bme280', filters: { round: 1 } }, ['filters@value: expected a list, got a mapping']],
  ['input', { id: 'a', driver: 'bme280', filters: [{ round: 1, field: 'temprature' }] }, ["filters.0.field@value: unknown field 'temprature' for driver bme280; did you mean 'temperature'?"]],
  ['input', { id: 'a', driver: 'bme280', filters: [{ debounce: '1s' }] }, ['filters.0.debounce@key: debounce works on ON/OFF fields, and bme280 publishes none (temperature, humidity, pressure)']],
  ['input', { id: 'a', driver: 'gpio-in', pin: 4, filters: [{ offset: 1 }] }, ['filters.0.offset@key: offset works on number fields, and gpio-in publishes none (state)']],
  ['input', { id: 'a', driver: 'gpio-in', pin: 4, filters: [{ invert: true, field: 'temperature' }] }, ["filters.0.field@value: unknown field 'temperature' for driver gpio-in (gpio-in publishes state)"]],
  ['input', { id: 'a', driver: 'mcp3008', channel: 0, filters: [{ debounce: '1s', field: 'voltage' }] }, ["filters.0.field@value: debounce works on ON/OFF fields, and 'voltage' is not one"]],
  ['input', 'bme280', ['@value: expected a mapping with id and driver, got "bme280"']],
  // Several problems in one entry are all reported.
  ['input', { id: 'A', driver: 'bme280', bus: -1, intervall: 1, qos: 'x' }, [
    'id@value: expected lower-case letters, digits and dashes, starting with a letter or digit, got "A"',
    'qos@value: expected one of 0, 1, 2, got "x"',
    'bus@value: expected at least 0, got -1',
    "intervall@key: unknown option 'intervall' for driver bme280; did you mean 'interval'?",
  ]],
];

for (const [direction, entry, expected] of CASES) {
  test(`validateEntry ${direction} ${JSON.stringify(entry)}`, () => {
    const result = validateEntry(direction, entry, registry);
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.deepEqual(result.problems.map((p) => `${p.path.join('.')}@${p.at}: ${p.message}`), expected);
  });
}

test('validateEntry parses: defaults, durations in ms, filters tagged', () => {
  const result = validateEntry('input', { id: 'a', driver: 'gpio-in', pin: 'GPIO4', filters: [{ debounce: '50ms' }, { invert: true }] }, registry);
  assert.deepEqual(result, {
    ok: true,
    driver: 'gpio-in',
    options: {
      id: 'a', driver: 'gpio-in', pin: 'GPIO4', pull: 'none', invert: false, retain: true, qos: 1, durable: true, enabled: true, discovery: true,
      filters: [{ kind: 'debounce', value: 50 }, { kind: 'invert', value: true }],
    },
  });
  const out = validateEntry('output', { id: 'b', driver: 'gpio-out', pin: 4, qos: 2, retain: false, enabled: false }, registry);
  assert.deepEqual(out, { ok: true, driver: 'gpio-out', options: { id: 'b', driver: 'gpio-out', pin: 4, initial: 'OFF', qos: 2, retain: false, restore: false, enabled: false, discovery: true } });
});

test('editDistance counts a swap of neighbours as one edit', () => {
  const cases: [string, string, number][] = [['interval', 'interval', 0], ['intervall', 'interval', 1], ['intreval', 'interval', 1], ['bme28', 'bme280', 1], ['', 'abc', 3], ['kitten', 'sitting', 3]];
  for (const [a, b, d] of cases) assert.equal(editDistance(a, b), d, `${a}/${b}`);
});

test('closest suggests only plausible typos', () => {
  const cases: [string, string[], string | undefined][] = [
    ['intervall', ['interval', 'address', 'bus'], 'interval'],
    ['ADRESS', ['address', 'bus'], 'address'],
    ['colour', ['interval', 'address', 'bus'], undefined],
    ['pn', ['pin', 'bus'], 'pin'],
    ['xyz', ['pin', 'bus'], undefined],
    ['greaterThen', ['greaterThan', 'lessThan', 'greaterThanInclusive'], 'greaterThan'],
  ];
  for (const [word, candidates, expected] of cases) assert.equal(closest(word, candidates), expected, word);
  assert.equal(didYouMean('bme28', ['bme280', 'ds18b20']), "; did you mean 'bme280'?");
  assert.equal(didYouMean('zzz', ['bme280']), '');
});

test('durations past their bounds are refused, naming the bound', () => {
  const cases: [Direction, unknown, string[]][] = [
    ['input', { id: 'a', driver: 'bme280', interval: '600h' }, ['interval@value: expected a duration of at most 168h (7 days), got "600h"']],
    ['input', { id: 'a', driver: 'bme280', interval: 1e308 }, ['interval@value: expected a duration of at most 168h (7 days), got 1e+308']],
    ['input', { id: 'a', driver: 'bme280', interval: '99999999999999999999999h' }, ['interval@value: expected a duration of at most 168h (7 days), got "99999999999999999999999h"']],
    ['input', { id: 'a', driver: 'bme280', interval: 0 }, ['interval@value: expected a duration of at least 10ms, got 0']],
    ['input', { id: 'a', driver: 'bme280', interval: '168h' }, []],
  ];
  for (const [direction, entry, expected] of cases) {
    const r = validateEntry(direction, entry, registry);
    const got = r.ok ? [] : r.problems.map((p) => `${p.path.join('.')}@${p.at}: ${p.message}`);
    assert.deepEqual(got, expected, JSON.stringify(entry));
  }
});
