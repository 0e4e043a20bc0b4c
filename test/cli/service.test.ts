/**
 * `hanode service install`: the printed unit (ordering, groups, hardening), and `--write` only as
 * root, never over a different unit. `hanode service uninstall`: stop, disable, remove,
 * daemon-reload; idempotent; `--dry-run` only prints.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupNames, serviceInstall, serviceUninstall, systemdUnit, type ServiceEnvironment } from '../../src/cli/service.js';
import { bin, hanode, root } from '../cli/hanode.js';

function env(over: Partial<ServiceEnvironment> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const calls: string[][] = [];
  const dir = mkdtempSync(join(tmpdir(), 'hanode-unit-'));
  const e: ServiceEnvironment = {
    cwd: '/home/pi/my home',
    isRoot: false,
    unitPath: join(dir, 'hanode.service'),
    defaultUser: 'pi',
    out: (s) => void out.push(s),
    err: (s) => void err.push(s),
    groups: async () => ['root', 'gpio', 'i2c', 'spi', 'dialout'],
    systemctl: async (args) => (calls.push(args), { code: 0, output: '' }),
    ...over,
  };
  return { e, out, err, calls };
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
  assert.match(err.join(''), /create \/home\/pi\/my home\/data and \/home\/pi\/my home\/schemes first/);
  assert.deepEqual(unit.Unit, {
    Description: 'hanode: Raspberry Pi hardware over MQTT',
    Wants: 'network-online.target',
    After: 'network-online.target mosquitto.service',
  });
  assert.equal(unit.Service!.User, 'pi');
  assert.equal(unit.Service!.WorkingDirectory, '/home/pi/my home');
  assert.equal(unit.Service!.ExecStart, `${process.execPath} --max-semi-space-size=16 --v8-pool-size=1 ${bin} run`);
  assert.equal(unit.Service!.Restart, 'always');
  assert.equal(unit.Service!.Type, 'simple');
  assert.equal(unit.Service!.SupplementaryGroups, 'gpio i2c spi dialout');
  assert.equal(unit.Install!.WantedBy, 'multi-user.target');
  assert.match(err.join(''), /systemctl daemon-reload && sudo systemctl enable --now hanode/);
});

test('--user and -c go into the unit; paths with spaces are quoted for ExecStart', () => {
  const text = systemdUnit({ user: 'hanode', workingDirectory: '/srv/pi', node: '/opt/node 20/bin/node', bin: '/srv/pi/bin/hanode.js', config: '/srv/pi/my node.yaml' });
  const unit = parseUnit(text);
  assert.equal(unit.Service!.User, 'hanode');
  assert.equal(unit.Service!.ExecStart, '"/opt/node 20/bin/node" --max-semi-space-size=16 --v8-pool-size=1 /srv/pi/bin/hanode.js run -c "/srv/pi/my node.yaml"');
});

test('--write needs root; as root it writes the unit, and will not replace a different one without --force', async () => {
  const notRoot = env();
  assert.equal(await serviceInstall({ write: true }, notRoot.e), 1);
  assert.match(notRoot.err.join(''), /needs root/);
  assert.deepEqual(notRoot.out, []);

  const asRoot = env({ isRoot: true, cwd: mkdtempSync(join(tmpdir(), 'hanode-unit-root-')) });
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
  assert.equal(unit.Service!.ExecStart, `${process.execPath} --max-semi-space-size=16 --v8-pool-size=1 ${bin} run`);
  assert.equal(unit.Service!.WorkingDirectory, root);
  assert.equal(unit.Service!.User, 'pi');
});

test("the unit, npm start and the bin's shebang run node with the same flags", async () => {
  const { NODE_FLAGS } = await import('../../src/cli/service.js');
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  assert.equal(pkg.scripts.start, `node ${NODE_FLAGS.join(' ')} bin/hanode.js run`);
  assert.equal(readFileSync('bin/hanode.js', 'utf8').split('\n')[0], `#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}`);
});

/** Every `Key=value` of a section, repeated keys kept. */
function allValues(text: string, key: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));
}

test('the unit is hardened but keeps the devices and the data and schemes directories usable', async () => {
  const { e, out } = env({ cwd: '/srv/hall' });
  assert.equal(await serviceInstall({}, e), 0);
  const text = out.join('');
  const unit = parseUnit(text);
  for (const [key, value] of Object.entries({
    NoNewPrivileges: 'yes',
    ProtectSystem: 'strict',
    ProtectHome: 'read-only',
    PrivateTmp: 'yes',
    ProtectKernelTunables: 'yes',
    ProtectControlGroups: 'yes',
    RestrictSUIDSGID: 'yes',
    LockPersonality: 'yes',
    RestrictRealtime: 'yes',
  })) {
    assert.equal(unit.Service![key], value, key);
  }
  // The devices stay visible: no private /dev, no device allow-list.
  assert.equal(unit.Service!.PrivateDevices, undefined);
  assert.equal(unit.Service!.DevicePolicy, undefined);
  assert.deepEqual(allValues(text, 'ReadWritePaths'), ['-/srv/hall/data -/srv/hall/schemes', '-/sys/class/gpio -/sys/class/pwm -/sys/devices']);
});

test('the data and schemes directories come from the config file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hanode-unit-cfg-'));
  writeFileSync(join(dir, 'hanode.yaml'), 'data: /var/lib/hanode\nschemes: ./my schemes\n');
  const { e, out } = env({ cwd: dir });
  assert.equal(await serviceInstall({ config: 'hanode.yaml' }, e), 0);
  assert.equal(allValues(out.join(''), 'ReadWritePaths')[0], `-/var/lib/hanode "-${dir}/my schemes"`);
});

test('only the hardware groups that exist on the machine are asked for', async () => {
  const { e, out } = env({ groups: async () => groupNames('root:x:0:\ndialout:x:20:pi\ngpio:x:997:pi\n') });
  assert.equal(await serviceInstall({}, e), 0);
  assert.equal(parseUnit(out.join('')).Service!.SupplementaryGroups, 'gpio dialout');
  const none = env({ groups: async () => ['root'] });
  assert.equal(await serviceInstall({}, none.e), 0);
  assert.equal(parseUnit(none.out.join('')).Service!.SupplementaryGroups, undefined);
});

test('--write creates the data and schemes directories the unit lets it write', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'hanode-unit-cwd-'));
  const { e, err } = env({ cwd, isRoot: true });
  assert.equal(await serviceInstall({ write: true }, e), 0);
  assert.equal(existsSync(join(cwd, 'data')), true);
  assert.equal(existsSync(join(cwd, 'schemes')), true);
  assert.match(err.join(''), /created .*data/);
});

test('uninstall stops, disables, removes the unit and reloads systemd; a second run does nothing', async () => {
  const { e, calls, err } = env({ isRoot: true });
  writeFileSync(e.unitPath, '[Service]\n');
  assert.equal(await serviceUninstall({}, e), 0);
  assert.deepEqual(calls, [['stop', 'hanode.service'], ['disable', 'hanode.service'], ['daemon-reload'], ['reset-failed', 'hanode.service']]);
  assert.equal(existsSync(e.unitPath), false);
  assert.match(err.join(''), /service is removed/);
  calls.length = 0;
  assert.equal(await serviceUninstall({}, e), 0);
  assert.deepEqual(calls, []);
  assert.match(err.join(''), /not installed as a service, nothing to do/);
});

test('uninstall --dry-run prints the steps and changes nothing, without root', async () => {
  const { e, calls, out } = env();
  writeFileSync(e.unitPath, '[Service]\n');
  assert.equal(await serviceUninstall({ dryRun: true }, e), 0);
  assert.deepEqual(out.join('').trim().split('\n'), [
    'systemctl stop hanode.service',
    'systemctl disable hanode.service',
    `rm ${e.unitPath}`,
    'systemctl daemon-reload',
    'systemctl reset-failed hanode.service',
  ]);
  assert.deepEqual(calls, []);
  assert.equal(existsSync(e.unitPath), true);
});

test('uninstall needs root, and stops at a failing daemon-reload', async () => {
  const notRoot = env();
  writeFileSync(notRoot.e.unitPath, '[Service]\n');
  assert.equal(await serviceUninstall({}, notRoot.e), 1);
  assert.match(notRoot.err.join(''), /needs root/);
  assert.equal(existsSync(notRoot.e.unitPath), true);
  const failing = env({ isRoot: true, systemctl: async (args) => (args[0] === 'daemon-reload' ? { code: 1, output: 'Access denied' } : { code: 5, output: 'not loaded' }) });
  writeFileSync(failing.e.unitPath, '[Service]\n');
  assert.equal(await serviceUninstall({}, failing.e), 1);
  assert.match(failing.err.join(''), /systemctl daemon-reload failed \(exit 1\): Access denied/);
});

test('hanode service uninstall --dry-run on a machine without the unit says there is nothing to do', async () => {
  const r = await hanode(['service', 'uninstall', '--dry-run'], { cwd: root });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /nothing to do/);
});
