/** `hanode service install`: the printed unit, and `--write` only as root, never over a different unit. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serviceInstall, systemdUnit, type ServiceEnvironment } from '../../src/cli/service.js';
import { bin, hanode, root } from '../cli/hanode.js';

function env(over: Partial<ServiceEnvironment> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'hanode-unit-'));
  const e: ServiceEnvironment = {
    cwd: '/home/pi/my home',
    isRoot: false,
    unitPath: join(dir, 'hanode.service'),
    defaultUser: 'pi',
    out: (s) => void out.push(s),
    err: (s) => void err.push(s),
    ...over,
  };
  return { e, out, err };
}

/** `Key=value` lines of a unit, by section. */
function parseUnit(text: string): Record<string, Record<string, string>> {
  const sections: Record<string, Record<string, string>> = {};
  let current = '';
  for (const line of text.split('\n')) {
    const section = /^\[(\w+)\]$/.exec(line);
    if (section) sections[(current = section[1]!)] = {};
    else if (/^\w+=/.test(line)) sections[current]![line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
  }
  return sections;
}

test('the printed unit runs bin/hanode.js run with this node, from the current directory, restarting always', async () => {
  const { e, out, err } = env();
  assert.equal(await serviceInstall({}, e), 0);
  const unit = parseUnit(out.join(''));
  assert.deepEqual(unit.Unit, {
    Description: 'hanode: Raspberry Pi hardware over MQTT',
    Wants: 'network-online.target',
    After: 'network-online.target mosquitto.service',
  });
  assert.equal(unit.Service!.User, 'pi');
  assert.equal(unit.Service!.WorkingDirectory, '/home/pi/my home');
  assert.equal(unit.Service!.ExecStart, `${process.execPath} --max-semi-space-size=2 ${bin} run`);
  assert.equal(unit.Service!.Restart, 'always');
  assert.equal(unit.Service!.Type, 'simple');
  assert.equal(unit.Install!.WantedBy, 'multi-user.target');
  assert.match(err.join(''), /systemctl daemon-reload && sudo systemctl enable --now hanode/);
});

test('--user and -c go into the unit; paths with spaces are quoted for ExecStart', () => {
  const text = systemdUnit({ user: 'hanode', workingDirectory: '/srv/pi', node: '/opt/node 20/bin/node', bin: '/srv/pi/bin/hanode.js', config: '/srv/pi/my node.yaml' });
  const unit = parseUnit(text);
  assert.equal(unit.Service!.User, 'hanode');
  assert.equal(unit.Service!.ExecStart, '"/opt/node 20/bin/node" --max-semi-space-size=2 /srv/pi/bin/hanode.js run -c "/srv/pi/my node.yaml"');
});

test('--write needs root; as root it writes the unit, and will not replace a different one without --force', async () => {
  const notRoot = env();
  assert.equal(await serviceInstall({ write: true }, notRoot.e), 1);
  assert.match(notRoot.err.join(''), /needs root/);
  assert.deepEqual(notRoot.out, []);

  const asRoot = env({ isRoot: true });
  assert.equal(await serviceInstall({ write: true }, asRoot.e), 0);
  const written = readFileSync(asRoot.e.unitPath, 'utf8');
  assert.equal(parseUnit(written).Service!.Restart, 'always');
  assert.equal(await serviceInstall({ write: true }, asRoot.e), 0, 'the same unit again is fine');
  assert.match(asRoot.err.join(''), /already up to date/);

  writeFileSync(asRoot.e.unitPath, '[Service]\nExecStart=/bin/true\n');
  assert.equal(await serviceInstall({ write: true, user: 'other' }, asRoot.e), 1);
  assert.equal(readFileSync(asRoot.e.unitPath, 'utf8'), '[Service]\nExecStart=/bin/true\n');
  assert.equal(await serviceInstall({ write: true, user: 'other', force: true }, asRoot.e), 0);
  assert.equal(parseUnit(readFileSync(asRoot.e.unitPath, 'utf8')).Service!.User, 'other');
});

test('hanode service install prints the unit on stdout', async () => {
  const r = await hanode(['service', 'install', '--user', 'pi'], { cwd: root });
  assert.equal(r.code, 0, r.stderr);
  const unit = parseUnit(r.stdout);
  assert.equal(unit.Service!.ExecStart, `${process.execPath} --max-semi-space-size=2 ${bin} run`);
  assert.equal(unit.Service!.WorkingDirectory, root);
  assert.equal(unit.Service!.User, 'pi');
});

test("the unit, npm start and the bin's shebang run node with the same flags", async () => {
  const { NODE_FLAGS } = await import('../../src/cli/service.js');
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  assert.equal(pkg.scripts.start, `node ${NODE_FLAGS.join(' ')} bin/hanode.js run`);
  assert.equal(readFileSync('bin/hanode.js', 'utf8').split('\n')[0], `#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}`);
});
