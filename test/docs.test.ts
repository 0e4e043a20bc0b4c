import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { SCHEMA_FILE, schemaText, readmeWithDrivers } from '../src/docs/generate.js';
import { builtins } from './helpers/drivers.js';

const registry = builtins;

test(`${SCHEMA_FILE} is up to date (run \`npm run docs\`)`, () => {
  assert.equal(readFileSync(SCHEMA_FILE, 'utf8'), schemaText(registry));
});

test('the README driver tables are up to date (run `npm run docs`)', () => {
  const readme = readFileSync('README.md', 'utf8');
  assert.equal(readme, readmeWithDrivers(readme, registry));
  for (const name of [...Object.keys(registry.inputs), ...Object.keys(registry.outputs)]) {
    assert.match(readme, new RegExp(`### \`${name}\``), `README has a section for ${name}`);
  }
});

test('every example scheme carries the yaml-language-server modeline', () => {
  for (const file of readdirSync('schemes').filter((f) => f.endsWith('.yaml'))) {
    const first = readFileSync(`schemes/${file}`, 'utf8').split('\n')[0];
    assert.equal(first, '# yaml-language-server: $schema=../schema/scheme.schema.json', file);
  }
});
