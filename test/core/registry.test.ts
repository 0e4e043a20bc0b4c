/**
 * The driver registry loads a driver's module when a scheme names it: unknown names get the same
 * errors as when every driver was loaded, and a module that fails to load takes out its own
 * schemes only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DriverRegistry, type LazyDriver } from '../../src/core/registry.js';
import type { DriverDef, InputDriverDef } from '../../src/core/driver.js';
import { builtinRegistry } from '../../src/cli/registry.js';
import { inputDrivers } from '../../src/drivers-in/index.js';
import { outputDrivers } from '../../src/drivers-out/index.js';
import { loadSchemeTextsWithDrivers, formatProblem, validatePaths } from '../../src/schemes/loader.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The built-in maps with each load counted. */
function counted<D extends DriverDef>(drivers: Record<string, LazyDriver<D>>, loads: string[]): Record<string, LazyDriver<D>> {
  return Object.fromEntries(Object.entries(drivers).map(([name, d]) => [name, { ...d, load: () => (loads.push(name), d.load()) }]));
}

/** A driver whose module is not there, as after a broken install. */
const missing: LazyDriver<InputDriverDef<any>> = { load: () => import('./no-such-driver-module.js' as string) };

const load = (registry: DriverRegistry, text: string) => loadSchemeTextsWithDrivers([{ file: 'a.yaml', text }], registry);

test('loading schemes loads the drivers they name and no others', async () => {
  const loads: string[] = [];
  const registry = new DriverRegistry({ inputs: counted(inputDrivers, loads), outputs: counted(outputDrivers, loads) });
  assert.equal(registry.get('input', 'gpio-in'), undefined);
  const result = await load(registry, 'inputs:\n  - { id: door, driver: gpio-in, pin: 17 }\n  - { id: hall, driver: gpio-in, pin: 18 }\noutputs:\n  - { id: fan, driver: gpio-out, pin: 27 }\n');
  assert.deepEqual(result.problems, []);
  assert.deepEqual([...result.inputs, ...result.outputs].map((s) => s.id), ['door', 'hall', 'fan']);
  assert.deepEqual(loads.sort(), ['gpio-in', 'gpio-out']);
  assert.equal(registry.get('input', 'gpio-in')?.name, 'gpio-in');
  assert.equal(registry.get('input', 'bme280'), undefined);
  // Loaded once: the next load finds it there.
  await load(registry, 'inputs:\n  - { id: door, driver: gpio-in, pin: 17 }\n');
  assert.deepEqual(loads.sort(), ['gpio-in', 'gpio-out']);
});

test('an unknown or misplaced driver gets the same clear error, with a suggestion, before any driver is loaded', async () => {
  const registry = builtinRegistry();
  const result = await load(registry, 'inputs:\n  - { id: climate, driver: bme28 }\n  - { id: fan, driver: gpio-out, pin: 27 }\n');
  assert.deepEqual(result.problems.map(formatProblem), [
    "a.yaml:2:28: unknown driver 'bme28'; did you mean 'bme280'?",
    "a.yaml:3:24: 'gpio-out' is an output driver; put this entry under outputs",
  ]);
  assert.equal(registry.get('input', 'bme280'), undefined);
  assert.equal(registry.get('output', 'gpio-out'), undefined);
});

test("a driver whose module fails to load makes its schemes unavailable; the file's other schemes load", async () => {
  const registry = new DriverRegistry({ inputs: { ...inputDrivers, bme280: missing }, outputs: outputDrivers });
  const text = 'inputs:\n  - { id: climate, driver: bme280, bus: 1 }\n  - { id: door, driver: gpio-in, pin: 17 }\n';
  const result = await load(registry, text);
  assert.deepEqual(result.problems, []);
  assert.deepEqual(result.inputs.map((s) => s.id), ['door']);
  assert.equal(result.unavailable.length, 1);
  const [u] = result.unavailable;
  assert.deepEqual({ id: u!.id, driver: u!.driver, direction: u!.direction, line: u!.line }, { id: 'climate', driver: 'bme280', direction: 'input', line: 2 });
  assert.match(u!.error, /^the bme280 driver could not be loaded: .*no-such-driver-module/);
  assert.match(registry.failure('input', 'bme280')!.message, /no-such-driver-module/);

  // A rule may still name it: the problem is the driver, not the rule.
  const withRule = await load(registry, `${text}outputs:\n  - { id: fan, driver: gpio-out, pin: 27 }\nrules:\n  - { id: hot, when: { all: [ { fact: climate, path: $.temperature, operator: greaterThan, value: 25 } ] }, then: [ { set: { output: fan, value: "ON" } } ] }\n`);
  assert.deepEqual(withRule.problems, []);
  assert.deepEqual(withRule.rules.map((r) => r.id), ['hot']);

  // `hanode validate` cannot check its options, so there it is a problem.
  const dir = await mkdtemp(join(tmpdir(), 'hanode-registry-'));
  try {
    await writeFile(join(dir, 'a.yaml'), text);
    const { problems } = await validatePaths([dir], registry);
    assert.equal(problems.length, 1);
    assert.match(formatProblem(problems[0]!), /a\.yaml:2:\d+: 'climate': the bme280 driver could not be loaded: /);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a module that failed to load is tried again by the next load', async () => {
  let attempts = 0;
  const flaky: LazyDriver<InputDriverDef<any>> = {
    load: async () => {
      attempts++;
      if (attempts === 1) throw new Error('EIO: i/o error, read');
      return inputDrivers['gpio-in'].load();
    },
  };
  const registry = new DriverRegistry({ inputs: { 'gpio-in': flaky } });
  const text = 'inputs:\n  - { id: door, driver: gpio-in, pin: 17 }\n';
  assert.deepEqual((await load(registry, text)).unavailable.map((u) => u.error), ['the gpio-in driver could not be loaded: EIO: i/o error, read']);
  const again = await load(registry, text);
  assert.deepEqual(again.unavailable, []);
  assert.deepEqual(again.inputs.map((s) => s.id), ['door']);
  assert.equal(registry.failure('input', 'gpio-in'), undefined);
  assert.equal(attempts, 2);
});

test('the whole catalogue needs loadAll(), which leaves out a module that fails; chips are known without loading', async () => {
  const registry = new DriverRegistry({ inputs: { ...inputDrivers, bme280: { ...inputDrivers.bme280, load: missing.load } }, outputs: outputDrivers });
  assert.throws(() => registry.defs('input'), /not loaded yet .*call loadAll\(\) first/);
  assert.ok(registry.chips().some((c) => c.driver === 'bme280' && c.chips.some((chip) => chip.chip === 'BME280')));
  await registry.loadAll();
  const names = registry.defs('input').map(([name]) => name);
  assert.deepEqual(names, Object.keys(inputDrivers).filter((n) => n !== 'bme280'));
  assert.deepEqual(Object.keys(registry.outputs), Object.keys(outputDrivers));
  assert.ok(registry.failure('input', 'bme280'));
  // Listed, so a scheme naming it is not told the driver does not exist.
  assert.ok(registry.has('input', 'bme280'));
});

test('every built-in loads under its own name, in the order its map lists it, with its chips in the map', async () => {
  const registry = await builtinRegistry().loadAll();
  for (const direction of ['input', 'output'] as const) {
    const listed = Object.keys(direction === 'input' ? inputDrivers : outputDrivers);
    assert.deepEqual(registry.defs(direction).map(([name, def]) => [name, def.name, def.direction]), listed.map((n) => [n, n, direction]));
    // A scan reads chips without loading a driver: chips in a built-in's definition would go unseen.
    for (const [name, def] of registry.defs(direction)) assert.equal(def.chips, undefined, `${name}: list its chips in its map entry, not in its definition`);
  }
});
