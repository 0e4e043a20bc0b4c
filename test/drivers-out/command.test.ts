import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandError } from '../../src/core/driver.js';
import { EventBus } from '../../src/core/bus.js';
import { commandOutput as command } from '../../src/drivers-out/command.js';
import { OutputScheme } from '../../src/runtime/output-scheme.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import { optionsFor, silent } from '../drivers-in/context.js';
import { displayContext, fakeStates } from './display-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'hanode-command-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A program that writes the argv it was given (after its own path) to $ARGV_OUT as JSON, then does `body`. */
function program(name: string, body = ''): string {
  const path = join(dir, name);
  writeFileSync(path, `#!${process.execPath}\nrequire('fs').writeFileSync(process.env.ARGV_OUT, JSON.stringify(process.argv.slice(2)));\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}
const recorder = program('record');
const out = join(dir, 'argv.json');
const recorded = () => JSON.parse(readFileSync(out, 'utf8')) as string[];

function setup(raw: Record<string, unknown>) {
  const options = optionsFor(command, { env: { ARGV_OUT: out }, ...raw }, 'cmd');
  return command.create(options, displayContext(createSimHardware(), fakeStates(), 'cmd'));
}

test('command: payload values fill typed arguments of the argv template', async () => {
  const driver = setup({ argv: [recorder, 'set', 'Master', '{volume}%'], args: { volume: { type: 'integer', min: 0, max: 100 } } });
  assert.deepEqual(await driver.start(), { result: 'ready' });
  assert.deepEqual(await driver.apply({ volume: 40 }), { result: 'ok', exit_code: 0 });
  assert.deepEqual(recorded(), ['set', 'Master', '40%']);
  await driver.apply({ value: 55 });
  assert.deepEqual(recorded(), ['set', 'Master', '55%'], 'a bare number fills the only argument');
});

test('command: anything that does not fit is refused with a CommandError and nothing runs', async () => {
  const driver = setup({ argv: [recorder, '{volume}', '{mode}'], args: { volume: { type: 'integer', min: 0, max: 100 }, mode: { type: 'enum', values: ['on', 'off'], default: 'on' } } });
  await driver.start();
  const refused: [Record<string, unknown>, RegExp][] = [
    [{ volume: 101 }, /volume must be within 0\.\.100, got 101/],
    [{ volume: -1 }, /within/],
    [{ volume: 4.5 }, /volume must be an integer/],
    [{ volume: '40' }, /volume must be an integer, got "40"/],
    [{ volume: 40, mode: 'loud' }, /mode must be one of on, off, got "loud"/],
    [{ volume: 40, extra: 1 }, /unknown argument extra; expected volume, mode/],
    [{ mode: 'on' }, /missing argument volume/],
    [{ value: 40 }, /unknown argument value/],
  ];
  for (const [payload, message] of refused) {
    rmSync(out, { force: true });
    await assert.rejects(driver.apply(payload), (e: Error) => e instanceof CommandError && message.test(e.message), JSON.stringify(payload));
    assert.equal(existsSync(out), false, `nothing ran for ${JSON.stringify(payload)}`);
  }
  await driver.apply({ volume: 7 });
  assert.deepEqual(recorded(), ['7', 'on'], 'the default fills a missing argument');
});

test('command: shell metacharacters never reach a shell', async () => {
  const marker = join(dir, 'pwned');
  const attacks = ['; rm -rf /', `$(touch ${marker})`, `\`touch ${marker}\``, `&& touch ${marker}`, `| touch ${marker}`, `x\ntouch ${marker}`, `'; touch ${marker}; '`];
  // The check would notice: the same text through a shell does create the marker.
  execSync(`echo $(touch ${marker})`, { shell: '/bin/sh' });
  assert.ok(existsSync(marker));
  rmSync(marker);

  const driver = setup({
    argv: [recorder, '--label={label}', '{note}'],
    args: { label: { type: 'string', pattern: '[A-Za-z0-9 _-]{1,32}' }, note: { type: 'string', pattern: '[\\s\\S]*', max_length: 100 } },
  });
  await driver.start();
  for (const attack of attacks) {
    // A string argument with a strict pattern refuses them.
    rmSync(out, { force: true });
    await assert.rejects(driver.apply({ label: attack, note: 'x' }), (e: Error) => e instanceof CommandError && /does not match the pattern/.test(e.message), attack);
    assert.equal(existsSync(out), false);
    // One whose pattern lets anything through passes it as one plain argument, unexpanded.
    assert.equal((await driver.apply({ label: 'ok', note: attack })).result, 'ok');
    assert.deepEqual(recorded(), ['--label=ok', attack]);
  }
  assert.equal(existsSync(marker), false, 'no command substitution ever ran');
  assert.ok(existsSync('/'), 'and / is still there');
});

test('command: exit codes, output, stderr and the timeout', async () => {
  const failing = program('fail', "process.stdout.write('partial\\n'); process.stderr.write('boom\\n'); process.exit(3);");
  const f = setup({ argv: [failing] });
  await f.start();
  assert.deepEqual(await f.apply({ state: 'ON' }), { result: 'failed', exit_code: 3, output: 'partial', error: 'boom' });
  assert.deepEqual(await f.apply({}), { result: 'failed', exit_code: 3, output: 'partial', error: 'boom' }, '{} runs it too');
  await assert.rejects(f.apply({ value: 1 }), /unknown argument value; expected none/);

  const printing = program('print', "console.log(JSON.stringify(Object.keys(process.env).sort()));");
  const p = setup({ argv: [printing], env: { ARGV_OUT: out, EXTRA: '1' } });
  await p.start();
  process.env.HANODE_TEST_SECRET = 'hunter2';
  const state = await p.apply({});
  delete process.env.HANODE_TEST_SECRET;
  const keys = JSON.parse(String(state.output)) as string[];
  assert.ok(keys.includes('EXTRA') && keys.includes('ARGV_OUT'));
  assert.ok(!keys.includes('HANODE_TEST_SECRET'), 'hanode\'s own environment is not handed on');

  const sleeper = program('sleep', 'setTimeout(() => {}, 30000);');
  const s = setup({ argv: [sleeper], timeout: '300ms' });
  await s.start();
  const t0 = Date.now();
  assert.deepEqual(await s.apply({}), { result: 'timeout', exit_code: null });
  assert.ok(Date.now() - t0 < 3000, 'killed, not waited for');
});

test('command: booleans from ON/OFF, numbers, and the checks at start', async () => {
  const d = setup({ argv: [recorder, '{mute}', 'gain={gain}', '{{literal}}'], args: { mute: { type: 'boolean' }, gain: { type: 'number', min: -1, max: 1, default: 0.5 } } });
  await d.start();
  await d.apply({ mute: false });
  assert.deepEqual(recorded(), ['false', 'gain=0.5', '{literal}']);
  await assert.rejects(d.apply({ state: 'OFF' }), /unknown argument state; expected mute, gain/, 'bare payloads only with one argument');
  const single = setup({ argv: [recorder, '--mute={mute}'], args: { mute: { type: 'boolean' } } });
  await single.start();
  await single.apply({ state: 'ON' });
  assert.deepEqual(recorded(), ['--mute=true'], 'ON/OFF fill a lone boolean');
  await d.apply({ mute: true, gain: -0.25 });
  assert.deepEqual(recorded(), ['true', 'gain=-0.25', '{literal}']);

  await assert.rejects(setup({ argv: [recorder, '{who}'] }).start(), /argv uses \{who\} but args does not declare it/);
  await assert.rejects(setup({ argv: [join(dir, 'missing')] }).start(), /is not a file/);
  const plain = join(dir, 'plain');
  writeFileSync(plain, '');
  await assert.rejects(setup({ argv: [plain] }).start(), /not executable/);
  await assert.rejects(setup({ argv: [recorder, '{x}'], args: { x: { type: 'string', pattern: '[a-z]+', default: 'NO' } } }).start(), /default of x does not fit/);
});

test('command: option and command schemas', () => {
  assert.throws(() => command.schema.parse({ argv: ['amixer', 'set'] }), /absolute path/);
  assert.throws(() => command.schema.parse({ argv: ['/bin/{x}'] }), /cannot take arguments/);
  assert.throws(() => command.schema.parse({ argv: ['/bin/true'], args: { s: { type: 'string' } } }), 'a string needs a pattern');
  assert.throws(() => command.schema.parse({ argv: ['/bin/true'], args: { s: { type: 'string', pattern: '(' } } }), /regular expression/);
  assert.throws(() => command.schema.parse({ argv: ['/bin/true'], args: { Bad: { type: 'boolean' } } }));
  assert.throws(() => command.schema.parse({ argv: ['/bin/true'], args: { e: { type: 'enum', values: [] } } }));
  assert.deepEqual(command.schema.parse({ argv: ['/bin/true'] }), { argv: ['/bin/true'], args: {}, timeout: 10000, env: {}, max_output: 1024 });
  assert.throws(() => command.command.parse({ volume: { nested: 1 } }), 'values are scalars');
  assert.throws(() => command.command.parse({ state: 'ON', for: '5s' }), /for/);
});

test('command: through the output runtime a refused payload goes to $error and the scheme stays online', async () => {
  const bus = new EventBus(silent);
  const availability: boolean[] = [];
  bus.on('availability', {}, (a) => void availability.push(a.online));
  const options = { ...optionsFor(command, { argv: [recorder, '{volume}'], args: { volume: { type: 'integer', min: 0, max: 100 } }, env: { ARGV_OUT: out } }, 'vol') };
  const scheme = new OutputScheme({
    id: 'vol', driver: 'command', bus, log: silent, def: command, options, hardware: createSimHardware(),
    persist: { get: () => undefined, set: async () => {} }, states: fakeStates(),
  });
  await scheme.start();
  await assert.rejects(scheme.command({ text: '$(reboot)' }), /vol: volume must be an integer, got "\$\(reboot\)"/);
  assert.deepEqual((await scheme.command({ value: 12 })).result, 'ok', 'still online, the next command runs');
  assert.deepEqual(availability, [true], 'never went offline');
  await scheme.stop();
});
