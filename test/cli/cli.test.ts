/** The `hanode` command line (README "The command line"), run as a process through bin/hanode.js. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hanode, problemLine, root } from './hanode.js';
import { builtins } from '../helpers/drivers.js';

const commands = ['run', 'scan', 'validate', 'schema', 'drivers'];
const brokenSchemes = 'test/fixtures/broken-schemes';

function tempDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'hanode-cli-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.length > 0);
}

describe('help and usage', { concurrency: 4 }, () => {
  test('--help for the program exits 0 and lists every command', async () => {
    const r = await hanode(['--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Usage: hanode /);
    for (const c of commands) assert.match(r.stdout, new RegExp(`^  ${c}\\b`, 'm'), `${c} missing from the help`);
  });

  for (const c of commands) {
    test(`${c} --help exits 0 with the command's usage`, async () => {
      const r = await hanode([c, '--help']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^Usage: hanode ${c}\\b`));
      assert.equal(r.stderr, '');
    });
  }

  test('help run is the same as run --help', async () => {
    const [a, b] = await Promise.all([hanode(['help', 'run']), hanode(['run', '--help'])]);
    assert.equal(a.code, 0);
    assert.equal(a.stdout, b.stdout);
  });

  test('--version prints the package version', async () => {
    const r = await hanode(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
  });

  for (const c of ['', ...commands]) {
    test(`an unknown flag${c ? ` on ${c}` : ''} exits 2 and prints the usage on stderr`, async () => {
      const r = await hanode([...(c ? [c] : []), '--frobnicate']);
      assert.equal(r.code, 2);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /unknown option '--frobnicate'/);
      assert.match(r.stderr, new RegExp(`^Usage: hanode${c ? ` ${c}` : ''} \\[options\\]`, 'm'));
    });
  }

  test('an unknown command exits 2 with the usage', async () => {
    const r = await hanode(['frobnicate']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /unknown command 'frobnicate'/);
    assert.match(r.stderr, /^Usage: hanode \[options\] \[command\]/m);
  });

  test('no command at all is a usage error: exit 2 with the usage on stderr', async () => {
    const r = await hanode([]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^Usage: hanode \[options\] \[command\]/m);
  });

  test('a misspelt command gets a suggestion', async () => {
    const r = await hanode(['valdate']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Did you mean validate\?/);
  });
});

describe('validate', { concurrency: 4 }, () => {
  test('broken schemes: one FILE:LINE:COL: message line per problem on stdout, every problem, exit 1', async () => {
    const r = await hanode(['validate', brokenSchemes]);
    assert.equal(r.code, 1, r.stderr);
    const out = lines(r.stdout);
    for (const line of out) assert.match(line, problemLine);
    // Every file with problems is reported, not just the first one.
    const files = new Set(out.map((l) => l.slice(0, l.indexOf(':'))));
    assert.deepEqual([...files].sort(), ['01-syntax.yaml', '02-options.yaml', '04-conflicts.yaml', '05-rules.yaml'].map((f) => `${brokenSchemes}/${f}`));
    assert.ok(out.filter((l) => l.startsWith(`${brokenSchemes}/02-options.yaml:`)).length >= 5, 'every problem of one file, not just the first');
    assert.ok(out.includes(`${brokenSchemes}/02-options.yaml:5:13: unknown driver 'bme28'; did you mean 'bme280'?`), r.stdout);
    // The summary on stderr counts the same problems.
    assert.match(r.stderr, new RegExp(`^${out.length} problem\\(s\\) in 5 files$`, 'm'));
  });

  test('one file is checked on its own', async () => {
    const r = await hanode(['validate', `${brokenSchemes}/02-options.yaml`]);
    assert.equal(r.code, 1);
    const out = lines(r.stdout);
    assert.ok(out.length >= 5);
    for (const line of out) assert.ok(line.startsWith(`${brokenSchemes}/02-options.yaml:`), line);
  });

  test('the example schemes are valid: exit 0, nothing on stdout', async () => {
    const r = await hanode(['validate', 'schemes']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^\d+ files valid$/m);
  });

  test('the good-schemes fixture (with a subdirectory and an empty file) is valid', async () => {
    const r = await hanode(['validate', 'test/fixtures/good-schemes']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  test('an alias bomb in one file is that file\'s FILE:LINE:COL problem; the other files are checked', async () => {
    const bomb = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]', ...Array.from({ length: 8 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(',')}]`)].join('\n');
    const dir = tempDir({ 'a-bomb.yaml': bomb, 'b-typo.yaml': 'inputs:\n  - id: pi-health\n    driver: sytem\n', 'c-good.yaml': 'inputs:\n  - id: pi\n    driver: system\n' });
    const r = await hanode(['validate', dir]);
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(lines(r.stdout), [
      `${join(dir, 'a-bomb.yaml')}:2:10: invalid YAML: too many aliases (at most 1000 expanded in a file); is this an alias bomb?`,
      `${join(dir, 'b-typo.yaml')}:3:13: unknown driver 'sytem'; did you mean 'system'?`,
    ]);
    assert.doesNotMatch(r.stderr, /ReferenceError|at .*\.ts:/);
  });

  test('a missing path exits 1 with a message naming it', async () => {
    const r = await hanode(['validate', 'no/such/dir']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^no\/such\/dir: no such file or directory$/m);
  });

  test('a missing path next to valid ones still exits 1', async () => {
    const r = await hanode(['validate', 'schemes', 'no-such.yaml']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no-such\.yaml: no such file or directory/);
  });

  test('without paths it checks the schemes directory of the node config', async () => {
    const dir = tempDir({
      'hanode.yaml': 'schemes: ./my-schemes\n',
      'my-schemes/a.yaml': 'inputs:\n  - id: pi-health\n    driver: sytem\n',
    });
    const r = await hanode(['validate', '-c', join(dir, 'hanode.yaml')]);
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(lines(r.stdout), [`${join(dir, 'my-schemes/a.yaml')}:3:13: unknown driver 'sytem'; did you mean 'system'?`]);
  });

  test('and takes ./hanode.yaml from the working directory', async () => {
    const dir = tempDir({ 'hanode.yaml': 'schemes: ./s\n', 's/a.yaml': 'inputs:\n  - id: pi-health\n    driver: system\n' });
    const r = await hanode(['validate'], { cwd: dir });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /^1 file valid$/m);
  });

  test('a broken node config is reported as FILE:LINE:COL lines, exit 1', async () => {
    const dir = tempDir({ 'hanode.yaml': 'schemas: ./s\n' });
    const r = await hanode(['validate', '-c', join(dir, 'hanode.yaml')]);
    assert.equal(r.code, 1);
    assert.deepEqual(lines(r.stderr), [`${join(dir, 'hanode.yaml')}:1:1: unknown key 'schemas'; did you mean 'schemes'?`]);
  });
});

describe('schema and drivers', { concurrency: 4 }, () => {
  // The fields of the first drivers as README "Topics" lists them; every other registered driver is listed with its own.
  const registry = builtins;
  const pinned: Record<string, { direction: string; fields: string[] }> = {
    bme280: { direction: 'input', fields: ['temperature', 'humidity', 'pressure'] },
    ds18b20: { direction: 'input', fields: ['temperature'] },
    'gpio-in': { direction: 'input', fields: ['state'] },
    mcp3008: { direction: 'input', fields: ['raw', 'voltage'] },
    system: { direction: 'input', fields: ['cpu_temp', 'load1', 'mem_used_pct', 'disk_used_pct', 'uptime'] },
    'gpio-out': { direction: 'output', fields: ['state'] },
  };
  const all = [...Object.values(registry.inputs), ...Object.values(registry.outputs)];
  const key = (d: { name: string; direction: string }) => `${d.direction} ${d.name}`;
  const expected: Record<string, { direction: string; fields: string[] }> = Object.fromEntries(
    all.map((d) => [key(d), { direction: d.direction, fields: d.fields.map((f) => f.name) }]),
  );
  for (const [name, p] of Object.entries(pinned)) assert.deepEqual(expected[`${p.direction} ${name}`], p, name);

  test('drivers --json: every driver with its direction, options (name, type, default) and fields', async () => {
    const r = await hanode(['drivers', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const list = JSON.parse(r.stdout) as { name: string; direction: string; options: { name: string; type: string; default?: unknown }[]; fields: { name: string }[] }[];
    assert.deepEqual(list.map(key).sort(), Object.keys(expected).sort());
    for (const d of list) {
      assert.deepEqual(d.fields.map((f) => f.name), expected[key(d)]!.fields, key(d));
      assert.ok(d.options.length > 0, `${d.name} has no options`);
      for (const o of d.options) {
        assert.equal(typeof o.name, 'string');
        assert.equal(typeof o.type, 'string', `${d.name}.${o.name} has no type`);
        assert.ok('default' in o || 'required' in o, `${d.name}.${o.name} says neither its default nor whether it is required`);
      }
    }
    const option = (driver: string, name: string) => list.find((d) => d.name === driver)!.options.find((o) => o.name === name);
    assert.deepEqual([option('bme280', 'address')?.default, option('bme280', 'bus')?.default, option('bme280', 'interval')?.default], [0x76, 1, '30s']);
    assert.equal(option('bme280', 'interval')?.type, 'duration');
    assert.ok(option('gpio-out', 'pin'), 'gpio-out has a pin option');
    assert.ok(option('gpio-in', 'pin'), 'gpio-in has a pin option');
  });

  test('drivers (text) names each driver and what it publishes', async () => {
    const r = await hanode(['drivers']);
    assert.equal(r.code, 0);
    for (const [name, { direction, fields }] of Object.entries(pinned)) {
      assert.match(r.stdout, new RegExp(`^${name} \\(${direction}, `, 'm'));
      assert.ok(r.stdout.includes(`publishes: ${fields[0]}`), `${name} publishes`);
    }
    for (const d of all) assert.match(r.stdout, new RegExp(`^${d.name} \\(${d.direction}, `, 'm'));
  });

  test('schema: draft-07 JSON Schema with a definition for every driver that drivers --json lists', async () => {
    const [schema, drivers] = await Promise.all([hanode(['schema']), hanode(['drivers', '--json'])]);
    assert.equal(schema.code, 0, schema.stderr);
    const s = JSON.parse(schema.stdout);
    assert.equal(s.$schema, 'http://json-schema.org/draft-07/schema#');
    assert.deepEqual(Object.keys(s.properties).sort(), ['inputs', 'outputs', 'rules']);
    const list = JSON.parse(drivers.stdout) as { name: string; direction: string }[];
    assert.equal(list.length, all.length);
    for (const d of list) {
      const def = s.definitions[`${d.direction}-${d.name}`];
      assert.ok(def, `no definition for ${d.direction} ${d.name}`);
      assert.ok(JSON.stringify(def).includes(JSON.stringify(d.name)), `definition of ${d.name} does not name its driver`);
    }
  });
});

describe('scan', { concurrency: 2 }, () => {
  test('scan --json --hardware sim: only the JSON on stdout', async () => {
    const r = await hanode(['scan', '--json', '--hardware', 'sim']);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout);
    for (const key of ['gpiochips', 'i2c', 'spi', 'onewire', 'system']) assert.ok(key in result, `no ${key}`);
    assert.ok(result.gpiochips.length > 0);
    for (const chip of result.gpiochips) assert.deepEqual(Object.keys(chip).sort(), ['base', 'label', 'name', 'ngpio']);
    assert.ok(Array.isArray(result.i2c) && Array.isArray(result.spi) && Array.isArray(result.onewire));
    for (const key of ['hostname', 'kernel', 'cpu_temp', 'load1', 'mem_used_pct', 'disk_used_pct', 'uptime']) assert.ok(key in result.system, `no system.${key}`);
  });

  test('scan (text) writes its report to stdout and its log to stderr', async () => {
    const r = await hanode(['scan', '--hardware', 'sim']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^hardware: sim$/m);
    assert.match(r.stdout, /^GPIO chips:$/m);
    assert.match(r.stdout, /^I2C buses:$/m);
    // The "hardware: sim (asked for)" log line is a log line, on stderr only.
    assert.match(r.stderr, /asked for/);
    assert.doesNotMatch(r.stdout, /asked for|"level"/);
  });

  test('scan --hardware bogus exits 2 with the usage', async () => {
    const r = await hanode(['scan', '--hardware', 'bogus']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Allowed choices are auto, linux, sim/);
    assert.match(r.stderr, /^Usage: hanode scan/m);
  });
});

describe('run: config problems before anything starts', { concurrency: 4 }, () => {
  test('a bad config file exits 1 and prints its FILE:LINE:COL problems', async () => {
    const dir = tempDir({ 'hanode.yaml': 'node: { id: kitchen-pi }\nhardware: simulated\nmqtt:\n  url: hub.local\nbrokr: { port: 1883 }\n' });
    const file = join(dir, 'hanode.yaml');
    const r = await hanode(['run', '-c', file], { timeoutMs: 15_000 });
    assert.equal(r.code, 1);
    assert.deepEqual(lines(r.stderr), [
      `${file}:2:11: hardware: expected one of auto, linux, sim, got "simulated"`,
      `${file}:4:8: mqtt.url: expected a URL such as mqtt://host:1883, got 'hub.local'`,
      `${file}:5:1: unknown key 'brokr'; did you mean 'broker'?`,
    ]);
    assert.equal(r.stdout, '', 'nothing started, so nothing logged');
  });

  test('./hanode.yaml in the working directory is the config run reads', async () => {
    const dir = tempDir({ 'hanode.yaml': 'log_level: loud\n' });
    const r = await hanode(['run'], { cwd: dir, timeoutMs: 15_000 });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /hanode\.yaml:1:12: log_level: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"/);
  });

  test('a missing -c file exits 1 naming it', async () => {
    const r = await hanode(['run', '-c', '/nonexistent/hanode.yaml'], { timeoutMs: 15_000 });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^\/nonexistent\/hanode\.yaml: config file not found$/m);
  });

  test('a bad environment variable exits 1 naming it', async () => {
    const dir = tempDir();
    const r = await hanode(['run'], { cwd: dir, env: { HANODE_HARDWARE: 'simm' }, timeoutMs: 15_000 });
    assert.equal(r.code, 1);
    assert.deepEqual(lines(r.stderr), [`HANODE_HARDWARE: expected one of auto, linux, sim, got "simm"; did you mean 'sim'?`]);
  });

  test('run --hardware bogus exits 2 with the usage (commander choices)', async () => {
    const r = await hanode(['run', '--hardware', 'bogus'], { timeoutMs: 15_000 });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /argument 'bogus' is invalid\. Allowed choices are auto, linux, sim\./);
    assert.match(r.stderr, /^Usage: hanode run \[options\]/m);
    assert.equal(r.stdout, '');
  });

  test('run --node with a bad id exits 1 naming the flag', async () => {
    const r = await hanode(['run', '--node', 'Kitchen_Pi'], { cwd: tempDir(), timeoutMs: 15_000 });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^--node: expected lower-case letters, digits and dashes/m);
  });
});

test('validate reports a bridge that hanode.yaml would leave out, and exits 1', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { spawnSync } = await import('node:child_process');
  const dir = mkdtempSync(join(tmpdir(), 'hanode-validate-bridge-'));
  writeFileSync(join(dir, 'hanode.yaml'), 'bridges:\n  - { id: x, type: pigeon }\n');
  const r = spawnSync(process.execPath, ['bin/hanode.js', 'validate', '-c', join(dir, 'hanode.yaml'), 'schemes'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /hanode\.yaml:2:20: bridge 'x': unknown bridge type 'pigeon'/);
});

test('an old Node.js gets one clear line naming the minimum, which package.json engines states too', async () => {
  const { tooOld, MINIMUM } = await import('../../bin/node-version.js');
  assert.equal(tooOld(process.version), undefined, 'this Node.js is new enough');
  assert.equal(tooOld('v20.19.0'), undefined);
  assert.equal(tooOld('v22.1.0'), undefined);
  for (const version of ['v18.19.1', 'v20.18.3', 'v16.20.2']) {
    const line = tooOld(version)!;
    assert.match(line, /^hanode needs Node\.js 20\.19\.0 or newer, and this is v\d+\.\d+\.\d+: install/);
    assert.ok(!line.includes('\n'));
  }
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  assert.equal(pkg.engines.node, `>=${MINIMUM.join('.')}`);
});
