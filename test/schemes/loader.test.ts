import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { loadSchemeDir, loadSchemeFiles, loadSchemeTexts, validatePaths, formatProblem } from '../../src/schemes/loader.js';
import { fakeRegistry } from './fake-drivers.js';
import { builtins } from '../helpers/drivers.js';

const BROKEN = 'test/fixtures/broken-schemes';
const GOOD = 'test/fixtures/good-schemes';

const EXPECTED_BROKEN = [
  `${BROKEN}/01-syntax.yaml:5:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]`,
  `${BROKEN}/02-options.yaml:1:1: unknown top-level key 'input'; did you mean 'inputs'?`,
  `${BROKEN}/02-options.yaml:5:13: unknown driver 'bme28'; did you mean 'bme280'?`,
  `${BROKEN}/02-options.yaml:8:5: unknown option 'intervall' for driver bme280; did you mean 'interval'?`,
  `${BROKEN}/02-options.yaml:9:14: expected a number, got "0x76"`,
  `${BROKEN}/02-options.yaml:10:5: missing required option 'pin'`,
  `${BROKEN}/02-options.yaml:12:11: expected one of up, down, none, got "sideways"`,
  `${BROKEN}/02-options.yaml:15:15: expected a duration such as 500ms, 30s, 5m or 1h, got "5 days"`,
  `${BROKEN}/02-options.yaml:20:14: expected one of ON, OFF, got "on"; did you mean 'ON'?`,
  `${BROKEN}/04-conflicts.yaml:2:9: duplicate id 'kitchen-climate'; first defined at ${BROKEN}/03-valid.yaml:2`,
  `${BROKEN}/04-conflicts.yaml:7:14: I2C bus 1 address 0x76 is already used by 'kitchen-climate' (${BROKEN}/03-valid.yaml:2)`,
  `${BROKEN}/04-conflicts.yaml:11:10: GPIO27 is already used by 'kitchen-fan' (${BROKEN}/03-valid.yaml:6)`,
  `${BROKEN}/05-rules.yaml:5:67: unknown operator 'greaterThen'; did you mean 'greaterThan'?`,
  `${BROKEN}/05-rules.yaml:10:19: unknown fact 'kitchen-climat'; did you mean 'kitchen-climate'?`,
  `${BROKEN}/05-rules.yaml:11:42: 'kitchen-climate' (bme280) has no field 'humidty'; did you mean 'humidity'?`,
  `${BROKEN}/05-rules.yaml:12:30: unknown output 'kitchen-fann'; did you mean 'kitchen-fan'?`,
  `${BROKEN}/05-rules.yaml:14:15: expected a cron expression with 5 fields (minute hour day month weekday) or 6 (seconds first), got 4`,
  `${BROKEN}/05-rules.yaml:16:5: a rule needs 'when', 'schedule' or 'every' to say when it runs`,
];

test('broken fixtures: every problem, at its line and column, in file order', async () => {
  const result = await loadSchemeDir(BROKEN, fakeRegistry());
  assert.deepEqual(result.problems.map(formatProblem), EXPECTED_BROKEN);
});

test('broken fixtures: invalid files are skipped whole, the valid one loads', async () => {
  const result = await loadSchemeDir(BROKEN, fakeRegistry());
  assert.deepEqual(
    result.files.map((f) => [f.file.slice(BROKEN.length + 1), f.ok, f.problems.length]),
    [['01-syntax.yaml', false, 1], ['02-options.yaml', false, 8], ['03-valid.yaml', true, 0], ['04-conflicts.yaml', false, 3], ['05-rules.yaml', false, 6]],
  );
  // 04 has a scheme (porch-climate) and an output that are fine on their own: skipped with their file.
  assert.deepEqual(result.inputs.map((s) => s.id), ['kitchen-climate']);
  assert.deepEqual(result.outputs.map((s) => s.id), ['kitchen-fan']);
  assert.deepEqual(result.rules, []);
  assert.equal(result.inputs[0].file, `${BROKEN}/03-valid.yaml`);
});

test('broken fixtures read the same with the built-in drivers', async () => {
  const registry = builtins;
  const result = await loadSchemeDir(BROKEN, registry);
  // The real gpio-in lists its pulls in another order; everything else is identical.
  const expected = EXPECTED_BROKEN.map((l) => l.replace('one of up, down, none', 'one of none, up, down'));
  assert.deepEqual(result.problems.map(formatProblem), expected);
});

for (const [name, registry] of [['fake', fakeRegistry()], ['built-in', builtins]] as const) {
  test(`good fixtures load without a problem (${name} drivers)`, async () => {
    const result = await loadSchemeDir(GOOD, registry);
    assert.deepEqual(result.problems.map(formatProblem), []);
    // Sorted by path: garden/soil.yml comes before kitchen.yaml, subdirectories included.
    assert.deepEqual(result.files.map((f) => f.file), [`${GOOD}/empty.yaml`, `${GOOD}/garden/soil.yml`, `${GOOD}/kitchen.yaml`]);
    assert.deepEqual(result.inputs.map((s) => s.id), ['soil-moisture', 'soil-deep', 'tank', 'kitchen-climate', 'door', 'pi-health']);
    assert.deepEqual(result.outputs.map((s) => s.id), ['kitchen-fan']);
    assert.deepEqual(result.rules.map((r) => r.id), ['afternoon-check', 'pump-off-in-rain', 'tick', 'fan-when-hot']);
  });
}

test('a loaded scheme has parsed options, defaults applied and durations in ms, and its position', async () => {
  const result = await loadSchemeDir(GOOD, fakeRegistry());
  const climate = result.inputs.find((s) => s.id === 'kitchen-climate')!;
  assert.equal(climate.direction, 'input');
  assert.equal(climate.driver, 'bme280');
  assert.deepEqual([climate.file, climate.line, climate.col], [`${GOOD}/kitchen.yaml`, 3, 5]);
  assert.deepEqual(climate.options, {
    id: 'kitchen-climate', name: 'Kitchen climate', driver: 'bme280', bus: 1, address: 0x76, interval: 30_000,
    retain: true, qos: 1, durable: true, enabled: true, discovery: true,
    filters: [{ kind: 'offset', value: -0.4 }, { kind: 'round', value: 1 }, { kind: 'delta', value: 0.2 }, { kind: 'heartbeat', value: 300_000 }],
  });
  const tank = result.inputs.find((s) => s.id === 'tank')!;
  assert.equal(tank.options.qos, 0);
  assert.equal(tank.options.durable, false);
  assert.equal(tank.options.interval, 60_000);
  const fan = result.outputs[0];
  assert.deepEqual(fan.options, { id: 'kitchen-fan', driver: 'gpio-out', pin: 27, initial: 'OFF', restore: true, retain: true, qos: 1, enabled: true, discovery: true });
});

test('a loaded rule: durations in ms, a single test wrapped in all, position kept', async () => {
  const result = await loadSchemeDir(GOOD, fakeRegistry());
  const hot = result.rules.find((r) => r.id === 'fan-when-hot')!;
  assert.equal(hot.for, 10_000);
  assert.equal(hot.enabled, true);
  assert.deepEqual([hot.line, hot.col], [27, 5]);
  assert.deepEqual(hot.else, [{ set: { output: 'kitchen-fan', value: 'OFF' } }]);
  const rain = result.rules.find((r) => r.id === 'pump-off-in-rain')!;
  assert.deepEqual(rain.when, { all: [{ fact: 'garden-pi/rain', path: '$.state', operator: 'equal', value: 'ON' }] });
  const tick = result.rules.find((r) => r.id === 'tick')!;
  assert.equal(tick.every, 2_000);
  assert.equal(tick.enabled, false);
});

const load = (files: Record<string, string>) =>
  loadSchemeTexts(Object.entries(files).map(([file, text]) => ({ file, text })), fakeRegistry());
const lines = (files: Record<string, string>) => load(files).problems.map(formatProblem);

test('empty files, comment-only files and empty sections are valid and empty', () => {
  const result = load({ 'a.yaml': '', 'b.yaml': '# nothing\n', 'c.yaml': 'inputs:\noutputs:\nrules:\n' });
  assert.deepEqual(result.problems, []);
  assert.deepEqual(result.files.map((f) => f.ok), [true, true, true]);
});

test('the shape of the file itself', () => {
  assert.deepEqual(lines({ 'a.yaml': '- id: x\n' }), ['a.yaml:1:1: expected a mapping with inputs, outputs or rules, got a list']);
  assert.deepEqual(lines({ 'a.yaml': 'inputs:\n  id: x\n' }), ['a.yaml:2:3: expected a list of inputs, got a mapping']);
  assert.deepEqual(lines({ 'a.yaml': 'outputs: []\nmqtt: {}\n' }), ["a.yaml:2:1: unknown top-level key 'mqtt'; a scheme file has inputs, outputs and rules"]);
  assert.deepEqual(lines({ 'a.yaml': 'inputs:\n  - system\n' }), ['a.yaml:2:5: expected a mapping with id and driver, got "system"']);
  assert.deepEqual(lines({ 'a.yaml': 'inputs: []\ninputs: []\n' }), ['a.yaml:2:1: invalid YAML: Map keys must be unique']);
  assert.deepEqual(lines({ 'a.yaml': 'inputs: []\n---\nrules: []\n' }), ['a.yaml:2:1: invalid YAML: a scheme file holds one document; split it at --- into files']);
  assert.deepEqual(lines({ 'a.yaml': 'inputs:\n  - id: a\n    driver: system\n    interval: !env x\n' }), ['a.yaml:4:15: invalid YAML: Unresolved tag: !env']);
});

test('YAML merge keys share options between entries', () => {
  const result = load({ 'a.yaml': 'inputs:\n  - &climate\n    id: one\n    driver: bme280\n    interval: 10s\n  - <<: *climate\n    id: two\n    address: 0x77\n    colour: red\n' });
  assert.deepEqual(result.problems.map(formatProblem), ["a.yaml:9:5: unknown option 'colour' for driver bme280"]);
  const fixed = load({ 'a.yaml': 'inputs:\n  - &climate\n    id: one\n    driver: bme280\n    interval: 10s\n  - <<: *climate\n    id: two\n    address: 0x77\n' });
  assert.deepEqual(fixed.inputs.map((s) => [s.id, s.options.interval, s.options.address]), [['one', 10_000, 0x76], ['two', 10_000, 0x77]]);
});

test('a scheme under the wrong section, and an entry without id or driver', () => {
  assert.deepEqual(lines({ 'a.yaml': 'inputs:\n  - id: fan\n    driver: gpio-out\n    pin: 4\n' }), [
    "a.yaml:3:13: 'gpio-out' is an output driver; put this entry under outputs",
  ]);
  assert.deepEqual(lines({ 'a.yaml': 'outputs:\n  - pin: 4\n' }), ["a.yaml:2:5: missing required option 'id'", "a.yaml:2:5: missing required option 'driver'"]);
  assert.deepEqual(lines({ 'a.yaml': 'inputs:\n  - id: Kitchen\n    driver: nope\n' }), [
    'a.yaml:2:9: expected lower-case letters, digits and dashes, starting with a letter or digit, got "Kitchen"',
    "a.yaml:3:13: unknown driver 'nope' (`hanode drivers` lists them)",
  ]);
});

test('duplicate ids: across files, inputs and outputs; reported at the later one, which is skipped', () => {
  const result = load({
    'a.yaml': 'inputs:\n  - id: hall\n    driver: system\n',
    'b.yaml': 'inputs:\n  - id: other\n    driver: system\noutputs:\n  - id: hall\n    driver: gpio-out\n    pin: 5\n',
    'c.yaml': 'inputs:\n  - id: twice\n    driver: system\n  - id: twice\n    driver: system\n',
  });
  assert.deepEqual(result.problems.map(formatProblem), [
    "b.yaml:5:9: duplicate id 'hall'; first defined at a.yaml:2",
    "c.yaml:4:9: duplicate id 'twice'; first defined at c.yaml:2",
  ]);
  // b.yaml's 'other' is fine in itself but goes with its file.
  assert.deepEqual(result.inputs.map((s) => s.id), ['hall']);
});

test('duplicate rule ids', () => {
  const rule = (id: string) => `  - id: ${id}\n    every: 1s\n    then: [ { publish: { topic: t, payload: x } } ]\n`;
  assert.deepEqual(lines({ 'a.yaml': `rules:\n${rule('r')}`, 'b.yaml': `rules:\n${rule('r')}` }), ["b.yaml:2:9: duplicate rule id 'r'; first defined at a.yaml:2"]);
});

test('a GPIO pin claimed twice, whether written 17, "17", GPIO17 or gpio17', () => {
  for (const [a, b] of [[17, 'GPIO17'], ['gpio17', 17], ['"17"', 'GPIO17']]) {
    assert.deepEqual(
      lines({ 'a.yaml': `inputs:\n  - id: door\n    driver: gpio-in\n    pin: ${a}\noutputs:\n  - id: lamp\n    driver: gpio-out\n    pin: ${b}\n` }),
      ["a.yaml:8:10: GPIO17 is already used by 'door' (a.yaml:2)"],
      `${a} vs ${b}`,
    );
  }
  assert.deepEqual(lines({ 'a.yaml': 'inputs:\n  - id: door\n    driver: gpio-in\n    pin: 17\n  - id: bell\n    driver: gpio-in\n    pin: 18\n' }), []);
});

test('I2C: one chip per bus and address, the default address included', () => {
  const two = (a: string, b: string) => `inputs:\n  - id: one\n    driver: bme280\n${a}  - id: two\n    driver: bme280\n${b}`;
  assert.deepEqual(lines({ 'a.yaml': two('', '') }), ["a.yaml:4:5: I2C bus 1 address 0x76 is already used by 'one' (a.yaml:2)"]);
  assert.deepEqual(lines({ 'a.yaml': two('', '    address: 0x77\n') }), []);
  assert.deepEqual(lines({ 'a.yaml': two('', '    bus: 0\n') }), []);
  assert.deepEqual(lines({ 'a.yaml': two('    bus: 3\n', '    bus: 3\n    address: 0x76\n') }), ["a.yaml:8:14: I2C bus 3 address 0x76 is already used by 'one' (a.yaml:2)"]);
});

test('SPI: channels of one MCP3008 share a chip select, a channel does not', () => {
  const adc = (id: string, extra: string) => `  - id: ${id}\n    driver: mcp3008\n${extra}`;
  assert.deepEqual(lines({ 'a.yaml': `inputs:\n${adc('a', '    channel: 0\n')}${adc('b', '    channel: 1\n')}` }), []);
  assert.deepEqual(lines({ 'a.yaml': `inputs:\n${adc('a', '    channel: 2\n')}${adc('b', '    channel: 2\n')}` }), [
    "a.yaml:7:14: SPI bus 0 device 0 channel 2 is already used by 'a' (a.yaml:2)",
  ]);
  assert.deepEqual(lines({ 'a.yaml': `inputs:\n${adc('a', '    channel: 2\n')}${adc('b', '    channel: 2\n    device: 1\n')}` }), []);
});

test('1-wire: one scheme per sensor id', () => {
  const probe = (id: string) => `  - id: ${id}\n    driver: ds18b20\n    sensor_id: 28-0316a2795aff\n`;
  assert.deepEqual(lines({ 'a.yaml': `inputs:\n${probe('a')}`, 'b.yaml': `inputs:\n${probe('b')}` }), [
    "b.yaml:4:16: 1-wire sensor 28-0316a2795aff is already used by 'a' (a.yaml:2)",
  ]);
});

test('serial and IIO: one scheme per serial port and per IIO device', () => {
  const reader = (id: string, driver: string, port: string) => `  - id: ${id}\n    driver: ${driver}\n    port: ${port}\n`;
  const builtin = (files: Record<string, string>) => loadSchemeTexts(Object.entries(files).map(([file, text]) => ({ file, text })), builtins).problems.map(formatProblem);
  assert.deepEqual(builtin({ 'a.yaml': `inputs:\n${reader('a', 'pms5003', '/dev/serial0')}${reader('b', 'serial-line', '/dev/serial0')}${reader('c', 'serial-line', '/dev/ttyUSB0')}` }), [
    "a.yaml:7:11: serial port /dev/serial0 is already used by 'a' (a.yaml:2)",
  ]);
  const dht = (id: string) => `  - id: ${id}\n    driver: dht22\n    device: iio:device0\n`;
  assert.deepEqual(builtin({ 'a.yaml': `inputs:\n${dht('a')}${dht('b')}` }), ["a.yaml:7:13: IIO device iio:device0 is already used by 'a' (a.yaml:2)"]);
});

test('rules: outputs and facts must exist here unless they are NODE/SCHEME; inputs cannot be set', () => {
  const files = {
    'a.yaml': 'inputs:\n  - id: door\n    driver: gpio-in\n    pin: 4\noutputs:\n  - id: lamp\n    driver: gpio-out\n    pin: 5\n',
    'b.yaml': [
      'rules:',
      '  - id: r',
      '    when: { fact: door, path: $.state, operator: equal, value: "ON" }',
      '    then: [ { set: { output: door, value: "ON" } }, { set: { output: other-pi/lamp, value: "ON" } } ]',
      '    else: [ { set: { output: lamp, value: "OFF" } }, { set: { output: lmap, value: "OFF" } } ]',
      '  - id: s',
      '    when: { any: [ { fact: other-pi/door, operator: equal, value: 1 }, { fact: lamp, path: $.nope, operator: equal, value: 1 } ] }',
      '    then: [ { set: { output: lamp, value: "ON" } } ]',
      '',
    ].join('\n'),
  };
  assert.deepEqual(lines(files), [
    "b.yaml:4:30: 'door' is an input; a rule can only set outputs",
    "b.yaml:5:71: unknown output 'lmap'; did you mean 'lamp'?",
    "b.yaml:7:92: 'lamp' (gpio-out) has no field 'nope'; it has state",
  ]);
});

test('a rule may name a scheme in another file, and a scheme in a skipped file is not "unknown"', () => {
  const result = load({
    'a.yaml': 'outputs:\n  - id: lamp\n    driver: gpio-out\n    pin: 5\n    colour: red\n',
    'b.yaml': 'rules:\n  - id: r\n    every: 1m\n    then: [ { set: { output: lamp, value: TOGGLE } } ]\n',
  });
  // The lamp's own file is what is wrong; the rule's file is fine and loads.
  assert.deepEqual(result.problems.map(formatProblem), ["a.yaml:5:5: unknown option 'colour' for driver gpio-out"]);
  assert.deepEqual(result.rules.map((r) => r.id), ['r']);
});

test('loadSchemeFiles: files and directories in the order given, unreadable paths are problems', async () => {
  const result = await loadSchemeFiles([`${GOOD}/kitchen.yaml`, `${GOOD}/garden`, `${GOOD}/kitchen.yaml`, 'no/such.yaml'], fakeRegistry());
  assert.deepEqual(result.files.map((f) => [f.file, f.ok]), [
    [`${GOOD}/kitchen.yaml`, true],
    [`${GOOD}/garden/soil.yml`, true],
    ['no/such.yaml', false],
  ]);
  assert.deepEqual(result.problems.map(formatProblem), ['no/such.yaml:1:1: cannot read: no such file or directory']);
});

test('validatePaths counts the files and returns every problem', async () => {
  const good = await validatePaths([GOOD], fakeRegistry());
  assert.deepEqual(good, { problems: [], fileCount: 3 });
  const bad = await validatePaths([BROKEN], fakeRegistry());
  assert.equal(bad.fileCount, 5);
  assert.deepEqual(bad.problems.map(formatProblem), EXPECTED_BROKEN);
  // Validated together, the good kitchen clashes with the broken fixtures' kitchen.
  const both = await validatePaths([`${BROKEN}/03-valid.yaml`, `${GOOD}/kitchen.yaml`], fakeRegistry());
  assert.equal(both.fileCount, 2);
  assert.deepEqual(both.problems.map(formatProblem).slice(0, 1), [
    `${GOOD}/kitchen.yaml:3:9: duplicate id 'kitchen-climate'; first defined at ${BROKEN}/03-valid.yaml:2`,
  ]);
});

test('loadSchemeDir: recursive, sorted, *.yaml and *.yml only, hidden entries skipped; a missing directory is empty', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hanode-schemes-'));
  try {
    await mkdir(join(dir, 'b', 'c'), { recursive: true });
    await mkdir(join(dir, '.git'));
    const scheme = (id: string) => `inputs:\n  - id: ${id}\n    driver: system\n`;
    await writeFile(join(dir, 'z.yml'), scheme('z'));
    await writeFile(join(dir, 'b', 'c', 'deep.yaml'), scheme('deep'));
    await writeFile(join(dir, 'b', 'a.YAML'), scheme('upper'));
    await writeFile(join(dir, 'a.yaml'), scheme('a'));
    await writeFile(join(dir, 'notes.txt'), 'not yaml: [');
    await writeFile(join(dir, '.hidden.yaml'), 'broken: [');
    await writeFile(join(dir, '.git', 'x.yaml'), 'broken: [');
    const result = await loadSchemeDir(dir, fakeRegistry());
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.inputs.map((s) => s.id), ['a', 'upper', 'deep', 'z']);
    const missing = await loadSchemeDir(join(dir, 'nope'), fakeRegistry());
    assert.deepEqual(missing, { inputs: [], outputs: [], rules: [], unavailable: [], problems: [], files: [], sensitive: [] });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('formatProblem shows paths inside the working directory relative to it', () => {
  const abs = resolve('schemes/a.yaml');
  assert.equal(formatProblem({ file: abs, line: 3, col: 7, message: 'm' }), 'schemes/a.yaml:3:7: m');
  assert.equal(formatProblem({ file: '/elsewhere/a.yaml', line: 1, col: 1, message: 'm' }), '/elsewhere/a.yaml:1:1: m');
  assert.equal(formatProblem({ file: 'x/a.yaml', line: 1, col: 2, message: 'm' }), 'x/a.yaml:1:2: m');
});
