/**
 * `hanode doctor` on the fixture trees of test/fixtures/doctor (README "Running on a Pi"): all
 * green against a private Mosquitto; a user missing from a group and an unreachable broker fail
 * with their fixes and exit 1; another host using the node id fails; the other checks' warnings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from 'mqtt';
import { Mosquitto } from '../helpers/mosquitto.js';
import { useBroker } from '../helpers/broker-fixture.js';
import { startAgent } from '../helpers/agent.js';
import { hanode } from './hanode.js';
import { bootSettings } from '../../src/cli/doctor-checks.js';
import { describeChecks, doctor, doctorCommand, type Check, type DoctorEnvironment } from '../../src/cli/doctor.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/doctor/', import.meta.url));
const broker = useBroker({ probe: false });

/** A writable copy of a fixture tree. */
function tree(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `hanode-doctor-${name}-`));
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

function environment(root: string, over: Partial<DoctorEnvironment> = {}): DoctorEnvironment {
  return {
    root,
    cwd: join(root, 'home/pi/hanode'),
    user: 'pi',
    nodeVersion: 'v20.19.1',
    hostname: 'hall-pi',
    brokerTimeoutMs: 1_500,
    run: async (cmd, args) => {
      if (cmd === 'timedatectl') return { code: 0, stdout: 'yes\n' };
      if (cmd === 'systemctl' && args[0] === 'is-enabled') return { code: 0, stdout: 'enabled\n' };
      return { code: 127, stdout: '' };
    },
    ...over,
  };
}

const byName = (checks: Check[]) => (name: string) => checks.filter((c) => c.name === name);
const levels = (checks: Check[]) => checks.map((c) => `${c.level} ${c.name}`);

test('the green tree passes every check', async () => {
  const root = tree('green');
  const out: string[] = [];
  const code = await doctorCommand({ mqtt: broker.url }, environment(root), (s) => void out.push(s));
  const text = out.join('');
  assert.equal(code, 0, text);
  const lines = text.trim().split('\n');
  assert.ok(lines.every((l) => /^ok {4}\S/.test(l)), text);
  for (const name of ['node', 'groups', 'gpio', 'i2c', 'spi', '1-wire', 'config', 'broker', 'node id', 'data', 'schemes', 'clock', 'service']) {
    assert.ok(lines.some((l) => l.slice(6).startsWith(name)), `no ${name} line in\n${text}`);
  }
  assert.match(text, /groups +pi is in gpio, i2c, spi/);
  assert.match(text, /i2c +i2c on: \/dev\/i2c-1/);
  assert.match(text, /spi +spi on: \/dev\/spidev0\.0, \/dev\/spidev0\.1/);
  assert.match(text, /broker +mqtt:\/\/127\.0\.0\.1:\d+ reachable without credentials/);
  assert.match(text, /node id +no node 'doctor-green' on the broker yet/);
  assert.match(text, /schemes +1 scheme file\(s\) in .*, all valid/);
  assert.match(text, /service +hanode\.service installed for this directory, hardened, user pi/);
});

test('the broken tree fails on the missing group and the unreachable broker, each with its fix, and exits 1', async () => {
  const root = tree('broken');
  const out: string[] = [];
  const code = await doctorCommand({}, environment(root), (s) => void out.push(s));
  const text = out.join('');
  assert.equal(code, 1, text);
  const fails = text.split('\n').filter((l) => l.startsWith('fail'));
  assert.equal(fails.length, 2, text);
  assert.match(fails[0]!, /^fail  groups +pi is not in i2c: hanode cannot open those devices; fix: sudo usermod -aG i2c pi, then log out and in/);
  assert.match(fails[1]!, /^fail  broker +cannot reach mqtt:\/\/127\.0\.0\.1:1: .*ECONNREFUSED.*; fix: check that the broker runs and that mqtt\.url in hanode\.yaml is right/);
  assert.ok(!text.includes('node id'), 'no duplicate check without a broker');
});

test('hanode doctor as a command: one ok/warn/fail line per check, exit 1 on the broken tree', async () => {
  const root = tree('broken');
  const r = await hanode(['doctor', '--root', root, '--user', 'pi'], { cwd: join(root, 'home/pi/hanode') });
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.ok(lines.every((l) => /^(ok|warn|fail)  /.test(l)), r.stdout);
  assert.ok(lines.filter((l) => l.startsWith('fail')).every((l) => l.includes('; fix: ')));
  assert.match(r.stdout, /fail  groups/);
  assert.match(r.stdout, /fail  broker/);
  const json = await hanode(['doctor', '--json', '--root', tree('green'), '--user', 'pi', '--mqtt', broker.url], { cwd: join(root, 'home/pi/hanode') });
  assert.ok(Array.isArray(JSON.parse(json.stdout).checks));
});

test('another host online with the same node id fails; this machine\'s own running agent is fine', async () => {
  const root = tree('green');
  const other = connect(broker.url);
  await new Promise((resolve) => other.once('connect', resolve));
  await other.publishAsync('han/doctor-green/$info', JSON.stringify({ node: 'doctor-green', host: 'kitchen-pi', instance: 'ab12cd34' }), { retain: true, qos: 1 });
  await other.publishAsync('han/doctor-green/status', 'online', { retain: true, qos: 1 });
  let checks = await doctor({ mqtt: broker.url }, environment(root));
  let id = byName(checks)('node id')[0]!;
  assert.equal(id.level, 'fail');
  assert.match(id.message, /'doctor-green' is online from host 'kitchen-pi', not this one \('hall-pi'\)/);
  assert.match(id.fix!, /node: \{ id: <name> \}/);

  await other.publishAsync('han/doctor-green/status', 'offline', { retain: true, qos: 1 });
  checks = await doctor({ mqtt: broker.url }, environment(root));
  id = byName(checks)('node id')[0]!;
  assert.equal(id.level, 'warn');
  assert.match(id.fix!, /hanode fleet purge doctor-green/);
  await other.publishAsync('han/doctor-green/$info', '', { retain: true, qos: 1 });
  await other.publishAsync('han/doctor-green/status', '', { retain: true, qos: 1 });
  await other.endAsync();

  const { agent } = await startAgent({ url: broker.url, node: 'doctor-green', schemes: {} });
  try {
    checks = await doctor({ mqtt: broker.url }, environment(root, { hostname: hostname() }));
    id = byName(checks)('node id')[0]!;
    assert.equal(id.level, 'ok', describeChecks(checks));
    assert.match(id.message, /only this machine's \(online\)/);
  } finally {
    await agent.stop();
  }
});

test('old Node, an unsynchronised clock, invalid schemes, an older unit not enabled, and interfaces off', async () => {
  const root = tree('green');
  writeFileSync(join(root, 'home/pi/hanode/schemes/bad.yaml'), 'inputs:\n  - { id: x, driver: bme2800 }\n');
  writeFileSync(join(root, 'etc/systemd/system/hanode.service'), '[Unit]\nAfter=network.target\n[Service]\nUser=pi\nWorkingDirectory=/home/pi/hanode\nExecStart=/usr/bin/node /home/pi/hanode/bin/hanode.js run\n');
  writeFileSync(join(root, 'boot/firmware/config.txt'), '#dtparam=i2c_arm=on\ndtparam=spi=on\n');
  for (const dev of ['i2c-1', 'spidev0.0', 'spidev0.1']) rmSync(join(root, 'dev', dev));
  rmSync(join(root, 'sys/bus/w1'), { recursive: true });
  const env = environment(root, {
    nodeVersion: 'v18.19.1',
    run: async (cmd) => (cmd === 'timedatectl' ? { code: 0, stdout: 'no\n' } : { code: 1, stdout: 'disabled\n' }),
  });
  const checks = await doctor({ mqtt: broker.url }, env);
  const get = byName(checks);
  assert.equal(get('node')[0]!.level, 'fail');
  assert.match(get('node')[0]!.fix!, /install Node\.js 20 LTS/);
  assert.equal(get('clock')[0]!.level, 'warn');
  assert.match(get('clock')[0]!.fix!, /timedatectl set-ntp true/);
  assert.equal(get('schemes')[0]!.level, 'fail');
  assert.match(get('schemes')[0]!.message, /bad\.yaml:2:\d+: .*bme280/);
  assert.deepEqual(get('service').map((c) => c.level), ['warn', 'warn']);
  assert.match(get('service')[0]!.message, /older hanode \(no ProtectSystem, NoNewPrivileges, SupplementaryGroups, After=network-online\.target\)/);
  assert.match(get('service')[1]!.message, /is disabled: it will not start at boot/);
  assert.equal(get('i2c')[0]!.level, 'warn');
  assert.match(get('i2c')[0]!.fix!, /raspi-config nonint do_i2c 0/);
  assert.match(get('spi')[0]!.message, /dtparam=spi=on is in \/boot\/firmware\/config\.txt but spi is not up yet/);
  assert.equal(get('spi')[0]!.fix, 'reboot');
  assert.equal(get('1-wire')[0]!.level, 'warn');
  assert.deepEqual(levels(checks).filter((l) => l.startsWith('fail')), ['fail node', 'fail schemes']);
});

test('a bus that is off fails when a scheme uses it, and only warns when none does', async () => {
  const root = tree('green');
  writeFileSync(join(root, 'home/pi/hanode/schemes/climate.yaml'), 'inputs:\n  - { id: kitchen-climate, driver: bme280, bus: 1, address: 0x76 }\n');
  for (const dev of ['i2c-1', 'spidev0.0', 'spidev0.1']) rmSync(join(root, 'dev', dev));
  const checks = await doctor({ mqtt: broker.url }, environment(root));
  const get = byName(checks);
  assert.equal(get('i2c')[0]!.level, 'fail', describeChecks(checks));
  assert.match(get('i2c')[0]!.message, /dtparam=i2c_arm=on is in \/boot\/firmware\/config\.txt but i2c is not up yet, and kitchen-climate uses it/);
  assert.equal(get('i2c')[0]!.fix, 'reboot');
  assert.equal(get('spi')[0]!.level, 'warn');
  assert.match(get('spi')[0]!.message, /only needed by schemes that use it/);
  // Under hardware: sim nothing needs a device.
  writeFileSync(join(root, 'home/pi/hanode/hanode.yaml'), 'node: { id: doctor-green }\nhardware: sim\n');
  const sim = await doctor({ mqtt: broker.url }, environment(root));
  assert.equal(byName(sim)('i2c')[0]!.level, 'warn');
});

test('a unit whose node or hanode.js is gone fails', async () => {
  const root = tree('green');
  rmSync(join(root, 'usr/bin/node'));
  const checks = await doctor({ mqtt: broker.url }, environment(root));
  const service = byName(checks)('service')[0]!;
  assert.equal(service.level, 'fail');
  assert.equal(service.message, 'hanode.service runs /usr/bin/node, which no longer exists (Node.js or hanode moved?)');
  assert.match(service.fix!, /service install --write --force/);
});

test('without a unit, without timedatectl, and an unwritable data directory', async () => {
  const root = tree('green');
  rmSync(join(root, 'etc/systemd/system/hanode.service'));
  rmSync(join(root, 'run/systemd/timesync/synchronized'));
  writeFileSync(join(root, 'home/pi/hanode/hanode.yaml'), 'node: { id: doctor-green }\ndata: /proc/hanode-data\n');
  const checks = await doctor({ mqtt: broker.url }, environment(root, { run: async () => ({ code: 127, stdout: '' }) }));
  const get = byName(checks);
  assert.equal(get('service')[0]!.level, 'warn');
  assert.match(get('service')[0]!.fix!, /service install --write/);
  assert.equal(get('clock')[0]!.level, 'warn');
  assert.match(get('clock')[0]!.message, /cannot tell/);
  assert.equal(get('data')[0]!.level, 'fail');
  assert.match(get('data')[0]!.message, /\/proc is not writable/);
});

test('config.txt settings: dtparam lists and overlays with parameters', () => {
  const s = bootSettings('dtparam=i2c_arm=on,spi=on # both\ndtparam=audio\ndtoverlay=w1-gpio,gpiopin=17\n# dtoverlay=pwm\n');
  assert.equal(s.params.get('i2c_arm'), 'on');
  assert.equal(s.params.get('spi'), 'on');
  assert.equal(s.params.get('audio'), 'on');
  assert.deepEqual([...s.overlays], ['w1-gpio']);
});

test('a broker that asks for a password: refused without it or with a wrong one, ok as the configured user', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hanode-doctor-auth-'));
  chmodSync(dir, 0o755);
  const passwd = join(dir, 'passwd');
  execFileSync('mosquitto_passwd', ['-b', '-c', passwd, 'hall-pi', 'right-password']);
  chmodSync(passwd, 0o644);
  const secured = await Mosquitto.start(`allow_anonymous false\npassword_file ${passwd}\n`);
  try {
    const root = tree('green');
    const url = secured.url.replace('mqtt://', '');
    const check = async (credentials: string) => {
      const checks = await doctor({ mqtt: `mqtt://${credentials}${url}` }, environment(root));
      return byName(checks)('broker')[0]!;
    };
    const anonymous = await check('');
    assert.equal(anonymous.level, 'fail');
    assert.match(anonymous.message, /refused the connection without credentials: .*not authori[sz]ed/i);
    assert.match(anonymous.fix!, /mqtt\.username and mqtt\.password/);
    const wrong = await check('hall-pi:wrong@');
    assert.equal(wrong.level, 'fail');
    assert.match(wrong.message, /refused the connection as hall-pi/);
    assert.doesNotMatch(wrong.message, /wrong/);
    const right = await check('hall-pi:right-password@');
    assert.equal(right.level, 'ok');
    assert.match(right.message, /reachable as hall-pi$/);
  } finally {
    await secured.stop();
  }
});
