import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterList, checkFilterFields, FILTER_KINDS, type FilterSpec } from '../../src/schemes/filter-schema.js';
import { check } from '../../src/schemes/issues.js';
import type { FieldDef } from '../../src/core/driver.js';

test('each filter as written in YAML parses to a tagged spec, durations in ms', () => {
  const cases: [unknown, FilterSpec][] = [
    [{ offset: -0.4 }, { kind: 'offset', value: -0.4 }],
    [{ multiply: 1.8, field: 'temperature' }, { kind: 'multiply', value: 1.8, field: 'temperature' }],
    [{ calibrate: [[0, 1], [2, 3]] }, { kind: 'calibrate', value: [[0, 1], [2, 3]] }],
    [{ round: 1 }, { kind: 'round', value: 1 }],
    [{ clamp: [null, 5] }, { kind: 'clamp', value: [null, 5] }],
    [{ delta: 0.2 }, { kind: 'delta', value: 0.2 }],
    [{ throttle: '10s' }, { kind: 'throttle', value: 10_000 }],
    [{ heartbeat: '5m' }, { kind: 'heartbeat', value: 300_000 }],
    [{ average: 5 }, { kind: 'average', value: 5 }],
    [{ median: 3 }, { kind: 'median', value: 3 }],
    [{ debounce: '50ms' }, { kind: 'debounce', value: 50 }],
    [{ debounce: 20 }, { kind: 'debounce', value: 20 }],
    [{ invert: true }, { kind: 'invert', value: true }],
  ];
  for (const [entry, spec] of cases) assert.deepEqual(filterList.parse([entry]), [spec], JSON.stringify(entry));
  assert.deepEqual(new Set(cases.map(([, s]) => s.kind)), new Set(FILTER_KINDS), 'every kind is covered');
  assert.deepEqual(filterList.parse(undefined), []);
});

/** [the filters: list, expected problems as "path: message"] */
const BAD: [unknown, string[]][] = [
  [[{ ofset: 1 }], ["0.ofset: unknown filter 'ofset'; did you mean 'offset'?"]],
  [[{}], ['0: expected a filter: one of offset, multiply, calibrate, round, clamp, average, median, delta, throttle, heartbeat, debounce, invert']],
  [[{ round: 1, delta: 2 }], ['0: expected one filter per entry, got round and delta; give each its own entry']],
  [[{ offset: 'a lot' }], ['0.offset: expected a number, got "a lot"']],
  [[{ round: 1.5 }], ['0.round: expected a whole number, got 1.5']],
  [[{ round: 11 }], ['0.round: expected at most 10, got 11']],
  [[{ calibrate: [[1, 2]] }], ['0.calibrate: expected at least 2 entries, got 1']],
  [[{ calibrate: [[1, 2], [1, 3]] }], ['0.calibrate: expected calibration points with at least two different raw values']],
  [[{ calibrate: [[1, 2], [3]] }], ['0.calibrate.1: expected at least 2 entries, got 1']],
  [[{ clamp: [5, 1] }], ['0.clamp: expected [min, max] with min ≤ max']],
  [[{ clamp: ['low', 1] }], ['0.clamp.0: expected a number, got "low"']],
  [[{ delta: -1 }], ['0.delta: expected at least 0, got -1']],
  [[{ throttle: 'often' }], ['0.throttle: expected a duration such as 500ms, 30s, 5m or 1h, got "often"']],
  [[{ heartbeat: 0 }], ['0.heartbeat: expected a duration longer than 0, got 0']],
  [[{ heartbeat: '5m', field: 'temperature' }], ['0.field: heartbeat applies to the whole reading, not to one field']],
  [[{ average: 0 }], ['0.average: expected at least 1, got 0']],
  [[{ invert: 'yes' }], ['0.invert: expected true or false, got "yes"']],
  [[{ offset: 1 }, { round: 'x' }, { median: 2.5 }], ['1.round: expected a number, got "x"', '2.median: expected a whole number, got 2.5']],
  [{ offset: 1 }, [': expected a list, got a mapping']],
];

for (const [filters, expected] of BAD) {
  test(`filters: rejects ${JSON.stringify(filters)}`, () => {
    const result = check(filterList, filters, { unknownKey: (_p, k) => `unknown filter '${k}'` });
    assert.equal(result.ok, false);
    if (!result.ok) assert.deepEqual(result.problems.map((p) => `${p.path.join('.')}: ${p.message}`), expected);
  });
}

test('checkFilterFields: named fields must exist and suit the filter; unnamed ones need something to work on', () => {
  const climate: FieldDef[] = [
    { name: 'temperature', type: 'number', description: '' },
    { name: 'humidity', type: 'number', description: '' },
  ];
  const button: FieldDef[] = [{ name: 'state', type: 'state', description: '' }];
  const cases: [FieldDef[], unknown[], string[]][] = [
    [climate, [{ offset: 1 }, { round: 1, field: 'humidity' }, { delta: 1 }, { throttle: '1s' }], []],
    [climate, [{ offset: 1, field: 'temprature' }], ["0.field: unknown field 'temprature' for driver d; did you mean 'temperature'?"]],
    [climate, [{ offset: 1, field: 'pressure' }], ["0.field: unknown field 'pressure' for driver d (d publishes temperature, humidity)"]],
    [climate, [{ invert: true }], ['0.invert: invert works on ON/OFF fields, and d publishes none (temperature, humidity)']],
    [climate, [{ debounce: '1s', field: 'humidity' }], ["0.field: debounce works on ON/OFF fields, and 'humidity' is not one"]],
    [button, [{ debounce: '1s' }, { invert: true }, { delta: 0 }, { heartbeat: '1m' }], []],
    [button, [{ median: 3 }], ['0.median: median works on number fields, and d publishes none (state)']],
    [button, [{ round: 1, field: 'state' }], ["0.field: round works on number fields, and 'state' is not one"]],
    // A driver that does not declare its fields cannot be checked.
    [[], [{ invert: true, field: 'anything' }], []],
  ];
  for (const [fields, filters, expected] of cases) {
    const found = checkFilterFields(filterList.parse(filters), 'd', fields).map((p) => `${p.index}.${p.key}: ${p.message}`);
    assert.deepEqual(found, expected, JSON.stringify(filters));
  }
});
