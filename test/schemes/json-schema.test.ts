import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { schemeJsonSchema, driverOptionDocs, commonOptionDocs, typeString } from '../../src/schemes/json-schema.js';
import { fakeRegistry } from './fake-drivers.js';
import { validateJson } from './json-walk.js';
import { builtins } from '../helpers/drivers.js';

const GOOD = 'test/fixtures/good-schemes';
type Json = Record<string, any>;

async function yamlFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await yamlFiles(p)));
    else if (/\.ya?ml$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

for (const [name, registry] of [['fake', fakeRegistry()], ['built-in', builtins]] as const) {
  test(`the JSON Schema accepts every good fixture (${name} drivers)`, async () => {
    const schema = schemeJsonSchema(registry) as Json;
    const files = await yamlFiles(GOOD);
    assert.equal(files.length, 3);
    for (const file of files) assert.deepEqual(validateJson(schema, parse(await readFile(file, 'utf8'))), [], file);
  });

  test(`the JSON Schema accepts every driver's own example (${name} drivers)`, () => {
    const schema = schemeJsonSchema(registry) as Json;
    const doc = { inputs: Object.values(registry.inputs).map((d) => d.example), outputs: Object.values(registry.outputs).map((d) => d.example) };
    assert.deepEqual(validateJson(schema, doc), []);
  });
}

/** [document, a fragment the first error must contain] */
const REJECTED: [unknown, string][] = [
  [{ input: [] }, '/input: unknown property'],
  [{ inputs: [{ id: 'a', driver: 'bme28' }] }, '/inputs/0/driver: not in enum'],
  [{ inputs: [{ id: 'a', driver: 'bme280', intervall: '30s' }] }, '/inputs/0/intervall: unknown property'],
  [{ inputs: [{ id: 'a', driver: 'bme280', interval: '5 days' }] }, '/inputs/0/interval: matches no anyOf branch'],
  [{ inputs: [{ id: 'a', driver: 'bme280', address: '0x76' }] }, '/inputs/0/address: expected integer'],
  [{ inputs: [{ id: 'a', driver: 'gpio-in' }] }, '/inputs/0: missing pin'],
  [{ inputs: [{ id: 'a' }] }, '/inputs/0: missing driver'],
  [{ inputs: [{ id: 'A', driver: 'system' }] }, '/inputs/0/id: does not match'],
  [{ inputs: [{ id: 'a', driver: 'system', filters: [{ ofset: 1 }] }] }, '/inputs/0/filters/0/ofset: unknown property'],
  [{ inputs: [{ id: 'a', driver: 'system', filters: [{}] }] }, '/inputs/0/filters/0: too few properties'],
  [{ inputs: [{ id: 'a', driver: 'system', qos: 3 }] }, '/inputs/0/qos: not in enum'],
  [{ outputs: [{ id: 'a', driver: 'gpio-out', pin: 4, initial: 'on' }] }, '/outputs/0/initial: not in enum'],
  [{ outputs: [{ id: 'a', driver: 'gpio-out', pin: 4, filters: [] }] }, '/outputs/0/filters: unknown property'],
  [{ outputs: [{ id: 'a', driver: 'bme280' }] }, '/outputs/0/driver: not in enum'],
  [{ rules: [{ id: 'r', then: [{ set: { output: 'a', value: 1 } }] }] }, '/rules/0: matches no anyOf branch'],
  [{ rules: [{ id: 'r', every: '1s', then: [] }] }, '/rules/0/then: too few items'],
  [{ rules: [{ id: 'r', when: { all: [{ fact: 'a', operator: 'greaterThen', value: 1 }] }, then: [{ set: { output: 'a', value: 1 } }] }] }, '/rules/0/when/all/0/operator: not in enum'],
  [{ rules: [{ id: 'r', every: '1s', then: [{ sett: {} }] }] }, '/rules/0/then/0/sett: unknown property'],
  [{ rules: [{ id: 'r', every: '1s', then: [{ set: { output: 'a', value: 1 }, publish: { topic: 't', payload: 1 } }] }] }, '/rules/0/then/0: too many properties'],
];

for (const [doc, fragment] of REJECTED) {
  test(`the JSON Schema rejects ${JSON.stringify(doc)}`, () => {
    const errors = validateJson(schemeJsonSchema(fakeRegistry()) as Json, doc);
    assert.ok(errors.some((e) => e.startsWith(fragment)), `${fragment} not in ${JSON.stringify(errors)}`);
  });
}

test('the JSON Schema is draft-07, per driver, strict, documented', () => {
  const schema = schemeJsonSchema(fakeRegistry()) as Json;
  assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
  assert.equal(schema.additionalProperties, false);
  assert.deepEqual(schema.definitions.input.properties.driver.enum, ['bme280', 'ds18b20', 'gpio-in', 'mcp3008', 'system']);
  assert.deepEqual(schema.definitions.input.allOf[0], {
    if: { properties: { driver: { const: 'bme280' } }, required: ['driver'] },
    then: { $ref: '#/definitions/input-bme280' },
  });
  const bme = schema.definitions['input-bme280'];
  assert.equal(bme.additionalProperties, false);
  assert.equal(bme.description, 'Bosch BME280 temperature, humidity and pressure sensor');
  // Durations: as the user writes them, with the default and examples as text.
  assert.equal(bme.properties.interval.default, '30s');
  assert.deepEqual(bme.properties.interval.examples, ['30s']);
  assert.equal(bme.properties.interval.anyOf[1].pattern, '^(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)$');
  assert.equal(bme.properties.address.default, 0x76);
  assert.equal(bme.properties.bus.maximum, undefined, 'no 2^53 noise');
  assert.deepEqual(bme.properties.filters.items, { $ref: '#/definitions/hanode-filter' });
  assert.deepEqual(schema.definitions['hanode-filter'].properties.heartbeat.examples, ['5m']);
  assert.deepEqual(bme.required, ['id', 'driver']);
  assert.ok(schema.definitions['hanode-rule-condition'], 'the recursive condition is a definition');
  // Everything the walk needs is resolvable, so editors can resolve it too.
  const refs = [...JSON.stringify(schema).matchAll(/"\$ref":"#\/definitions\/([^"]+)"/g)].map((m) => m[1]);
  assert.ok(refs.length > 10);
  for (const ref of refs) assert.ok(schema.definitions[ref], ref);
});

test('driverOptionDocs: short types, defaults as written, required only without a default', () => {
  const { inputs, outputs } = fakeRegistry();
  assert.deepEqual(driverOptionDocs(inputs.bme280).map(({ examples: _e, ...d }) => d), [
    { name: 'bus', type: 'integer', default: 1, description: 'I2C bus number, N in /dev/i2c-N', required: false },
    { name: 'address', type: 'integer', default: 0x76, description: '7-bit I2C address (default 0x76)', required: false },
    { name: 'interval', type: 'duration', default: '30s', description: 'How often to take a reading (ms, s, m or h)', required: false },
  ]);
  const gpio = driverOptionDocs(inputs['gpio-in']);
  assert.deepEqual(gpio.map((d) => [d.name, d.type, d.required]), [['pin', 'pin', true], ['pull', '"up" | "down" | "none"', false], ['invert', 'boolean', false], ['debounce', 'duration', false]]);
  assert.deepEqual(driverOptionDocs(outputs['gpio-out']).map((d) => [d.name, d.type, d.default]), [['pin', 'pin', undefined], ['initial', '"ON" | "OFF"', 'OFF']]);
  assert.deepEqual(driverOptionDocs(inputs.mcp3008).find((d) => d.name === 'channel'), { name: 'channel', type: 'integer', description: 'Input channel', required: true });
  assert.deepEqual(commonOptionDocs('input').map((d) => [d.name, d.type, d.required]), [
    ['id', 'string', true], ['name', 'string', false], ['driver', 'string', true], ['retain', 'boolean', false],
    ['qos', '0 | 1 | 2', false], ['durable', 'boolean', false], ['enabled', 'boolean', false], ['filters', 'object[]', false],
    ['area', 'string', false], ['discovery', 'boolean', false], ['homeassistant', 'object', false],
  ]);
  assert.deepEqual(commonOptionDocs('output').map((d) => d.name), ['id', 'name', 'driver', 'retain', 'qos', 'restore', 'enabled', 'area', 'discovery', 'homeassistant']);
});

test('typeString', () => {
  const cases: [Json, string][] = [
    [{ type: 'number' }, 'number'],
    [{ type: ['string', 'null'] }, 'string'],
    [{ enum: ['a', 'b'] }, '"a" | "b"'],
    [{ const: 3 }, '3'],
    [{ type: 'array', items: { type: 'number' } }, 'number[]'],
    [{ type: 'array', items: [{ type: 'number' }, { type: 'string' }] }, '[number, string]'],
    [{ anyOf: [{ type: 'number' }, { type: 'boolean' }] }, 'number | boolean'],
    [{}, 'any'],
    [{ $ref: '#/definitions/x' }, 'any'],
  ];
  for (const [json, expected] of cases) assert.equal(typeString(json), expected, JSON.stringify(json));
  assert.equal(typeString({ type: 'array', items: { $ref: '#/definitions/x' } }, { x: { type: 'object' } }), 'object[]');
});

test('every built-in driver documents every option', () => {
  const { inputs, outputs } = builtins;
  for (const def of [...Object.values(inputs), ...Object.values(outputs)]) {
    for (const doc of driverOptionDocs(def)) assert.ok(doc.description.length > 0, `${def.name}.${doc.name} has no description`);
  }
});
