/** The node config, `hanode.yaml` (README "Config"): defaults, file, env and flags, substitution, errors. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, defaultNodeId, ConfigError, type Config } from '../../src/config/config.js';

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/config');

/** A temp directory holding `files` (path → text). */
function tree(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'hanode-config-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** The ConfigError's problem lines, failing when loading succeeds or throws something else. */
async function problemsOf(p: Promise<Config>): Promise<string[]> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${(err as Error)?.stack}`);
    assert.equal(err.message, err.problems.join('\n'));
    return err.problems;
  }
  assert.fail('expected loadConfig to throw a ConfigError');
}

const located = /^.+:\d+:\d+: .+$/;

describe('defaults', () => {
  test('the node id is the hostname, lower-cased, with anything outside [a-z0-9-] turned into -', () => {
    assert.equal(defaultNodeId('My_Pi.local'), 'my-pi-local');
    assert.equal(defaultNodeId('RASPBERRYPI'), 'raspberrypi');
    assert.equal(defaultNodeId('pi-4b'), 'pi-4b');
    assert.equal(defaultNodeId('Küche Pi'), 'k-che-pi');
    // A node id must start with a letter or digit, so leading dashes go.
    assert.equal(defaultNodeId('_pi'), 'pi');
    assert.match(defaultNodeId(), /^[a-z0-9][a-z0-9-]*$/);
  });

  test('with no hanode.yaml and no environment, every value is the default', async () => {
    const cwd = tree();
    const config = await loadConfig({}, {}, cwd);
    assert.equal(config.file, undefined);
    assert.equal(config.dir, cwd);
    assert.deepEqual(config.node, { id: defaultNodeId(hostname()) });
    assert.equal(config.base_topic, 'han');
    assert.deepEqual(config.mqtt, { keepalive: 30 });
    assert.deepEqual(config.broker, { host: '127.0.0.1', port: 1883 });
    assert.equal(config.schemes, join(cwd, 'schemes'));
    assert.equal(config.data, join(cwd, 'data'));
    assert.equal(config.hardware, 'auto');
    assert.equal(config.log_level, 'info');
    assert.deepEqual(config.bridges, []);
  });

  test('an empty hanode.yaml is the defaults too', async () => {
    const cwd = tree({ 'hanode.yaml': '# nothing yet\n' });
    const config = await loadConfig({}, {}, cwd);
    assert.equal(config.file, join(cwd, 'hanode.yaml'));
    assert.equal(config.node.id, defaultNodeId(hostname()));
    assert.equal(config.hardware, 'auto');
  });
});

describe('which file', () => {
  test('./hanode.yaml in the working directory is picked up', async () => {
    const cwd = tree({ 'hanode.yaml': 'node: { id: kitchen-pi }\nhardware: sim\n' });
    const config = await loadConfig({}, {}, cwd);
    assert.equal(config.file, join(cwd, 'hanode.yaml'));
    assert.equal(config.node.id, 'kitchen-pi');
    assert.equal(config.hardware, 'sim');
  });

  test('-c FILE is read instead of ./hanode.yaml, relative to the working directory', async () => {
    const cwd = tree({ 'hanode.yaml': 'node: { id: from-cwd }\n', 'conf/node.yaml': 'node: { id: from-flag }\n' });
    const config = await loadConfig({ config: 'conf/node.yaml' }, {}, cwd);
    assert.equal(config.file, join(cwd, 'conf/node.yaml'));
    assert.equal(config.dir, join(cwd, 'conf'));
    assert.equal(config.node.id, 'from-flag');
  });

  test('-c with a file that is not there is an error naming it', async () => {
    const cwd = tree();
    const problems = await problemsOf(loadConfig({ config: 'nope.yaml' }, {}, cwd));
    assert.deepEqual(problems, [`${join(cwd, 'nope.yaml')}: config file not found`]);
  });

  test('-c with a directory is a ConfigError, not a crash', async () => {
    const cwd = tree({ 'conf/x': '' });
    const problems = await problemsOf(loadConfig({ config: 'conf' }, {}, cwd));
    assert.equal(problems.length, 1);
    assert.match(problems[0], /conf: cannot read: it is a directory$/);
  });

  test('every section of the contract is read, with relative paths taken from the file\'s directory', async () => {
    const cwd = tree();
    const config = await loadConfig({ config: join(fixtures, 'full/hanode.yaml') }, {}, cwd);
    const dir = join(fixtures, 'full');
    assert.equal(config.dir, dir);
    assert.equal(config.node.id, 'kitchen-pi');
    assert.equal(config.base_topic, 'home');
    assert.deepEqual(config.mqtt, {
      url: 'mqtts://hub.local:8883',
      username: 'kitchen',
      password: 's3cr3t-Pa55',
      ca: join(dir, 'certs/ca.pem'),
      cert: join(dir, 'certs/client.pem'),
      key: '/etc/hanode/client.key',
      keepalive: 30,
    });
    assert.deepEqual(config.broker, { host: '0.0.0.0', port: 1884 });
    assert.equal(config.schemes, join(dir, 'schemes'));
    assert.equal(config.data, resolve(dir, '../var/hanode'));
    assert.equal(config.hardware, 'sim');
    assert.equal(config.log_level, 'debug');
  });
});

describe('${ENV_VAR}', () => {
  test('is replaced inside a value, and numbers given that way are numbers', async () => {
    const cwd = tree({
      'hanode.yaml': 'mqtt:\n  url: mqtt://${BROKER_HOST}:1883\n  password: ${PW}\nbroker:\n  port: ${PORT}\nnode: { id: "pi-${ROOM}" }\n',
    });
    const config = await loadConfig({}, { BROKER_HOST: 'hub.local', PW: '0123', PORT: '1884', ROOM: 'hall' }, cwd);
    assert.equal(config.mqtt.url, 'mqtt://hub.local:1883');
    // Digits in a password stay the text they are: the leading zero is kept.
    assert.equal(config.mqtt.password, '0123');
    assert.equal(config.broker.port, 1884);
    assert.equal(config.node.id, 'pi-hall');
  });

  test('a variable that is not set is reported at its place, once', async () => {
    const cwd = tree({ 'hanode.yaml': 'node: { id: kitchen-pi }\nmqtt:\n  url: ${MQTT_URL}\nbroker:\n  port: ${PORT}\n' });
    const file = join(cwd, 'hanode.yaml');
    const problems = await problemsOf(loadConfig({}, {}, cwd));
    // Not also "expected a URL" or "expected a number" for the empty value left behind.
    assert.deepEqual(problems, [
      `${file}:3:8: environment variable MQTT_URL is not set`,
      `${file}:5:9: environment variable PORT is not set`,
    ]);
  });
});

describe('!secret', () => {
  test('comes from secrets.yaml beside the config file, not from the working directory', async () => {
    const cwd = tree({ 'secrets.yaml': 'mqtt_password: wrong-one\n' });
    const config = await loadConfig({ config: join(fixtures, 'full/hanode.yaml') }, {}, cwd);
    assert.equal(config.mqtt.password, 's3cr3t-Pa55');
  });

  test('a secret holding digits is taken as text', async () => {
    const cwd = tree({ 'hanode.yaml': 'mqtt: { password: !secret pin }\n', 'secrets.yaml': 'pin: 123456\n' });
    const config = await loadConfig({}, {}, cwd);
    assert.equal(config.mqtt.password, '123456');
  });

  test('a secret that is not in secrets.yaml is reported at its name', async () => {
    const cwd = tree({ 'hanode.yaml': 'mqtt:\n  username: u\n  password: !secret mqtt_password\n', 'secrets.yaml': 'other: x\n' });
    const problems = await problemsOf(loadConfig({}, {}, cwd));
    assert.deepEqual(problems, [`${join(cwd, 'hanode.yaml')}:3:21: secret 'mqtt_password' is not in secrets.yaml`]);
  });

  test('with no secrets.yaml at all, the same message', async () => {
    const cwd = tree({ 'hanode.yaml': 'mqtt: { password: !secret x }\n' });
    const problems = await problemsOf(loadConfig({}, {}, cwd));
    assert.deepEqual(problems, [`${join(cwd, 'hanode.yaml')}:1:27: secret 'x' is not in secrets.yaml`]);
  });

  test('a misspelt secret name gets a suggestion', async () => {
    const cwd = tree({ 'hanode.yaml': 'mqtt: { password: !secret mqtt_pasword }\n', 'secrets.yaml': 'mqtt_password: x\n' });
    const [problem] = await problemsOf(loadConfig({}, {}, cwd));
    assert.match(problem, /:1:27: secret 'mqtt_pasword' is not in secrets.yaml; did you mean 'mqtt_password'\?$/);
  });

  test('a broken secrets.yaml is reported with its own FILE:LINE:COL', async () => {
    const cwd = tree({ 'hanode.yaml': 'mqtt: { password: !secret x }\n', 'secrets.yaml': 'x: [unclosed\n' });
    const problems = await problemsOf(loadConfig({}, {}, cwd));
    assert.ok(problems.length >= 1);
    for (const p of problems) assert.ok(p.startsWith(`${join(cwd, 'secrets.yaml')}:`), p);
    assert.match(problems[0], located);
  });

  test('a misspelt tag is an error, not a literal value', async () => {
    const cwd = tree({ 'hanode.yaml': 'mqtt:\n  password: !secrets x\n', 'secrets.yaml': 'x: y\n' });
    const problems = await problemsOf(loadConfig({}, {}, cwd));
    assert.deepEqual(problems, [`${join(cwd, 'hanode.yaml')}:2:13: unknown tag '!secrets'; did you mean '!secret'?`]);
  });
});

describe('precedence: flags, then environment, then file', () => {
  const file = 'node: { id: from-file }\nmqtt: { url: "mqtt://file.local:1883" }\nhardware: linux\ndata: ./file-data\nschemes: ./file-schemes\n';
  const env = { HANODE_NODE_ID: 'from-env', HANODE_MQTT_URL: 'mqtt://env.local:1883', HANODE_HARDWARE: 'auto', HANODE_DATA: 'env-data' };
  const flags = { node: 'from-flag', mqtt: 'mqtt://flag.local:1883', hardware: 'sim', data: 'flag-data', schemes: 'flag-schemes' };

  test('the file alone', async () => {
    const cwd = tree({ 'conf/hanode.yaml': file });
    const c = await loadConfig({ config: 'conf/hanode.yaml' }, {}, cwd);
    assert.deepEqual([c.node.id, c.mqtt.url, c.hardware, c.data, c.schemes], ['from-file', 'mqtt://file.local:1883', 'linux', join(cwd, 'conf/file-data'), join(cwd, 'conf/file-schemes')]);
  });

  test('the environment beats the file; its relative paths are taken from the working directory', async () => {
    const cwd = tree({ 'conf/hanode.yaml': file });
    const c = await loadConfig({ config: 'conf/hanode.yaml' }, env, cwd);
    assert.deepEqual([c.node.id, c.mqtt.url, c.hardware, c.data], ['from-env', 'mqtt://env.local:1883', 'auto', join(cwd, 'env-data')]);
  });

  test('flags beat the environment; their relative paths are taken from the working directory', async () => {
    const cwd = tree({ 'conf/hanode.yaml': file });
    const c = await loadConfig({ config: 'conf/hanode.yaml', ...flags }, env, cwd);
    assert.deepEqual([c.node.id, c.mqtt.url, c.hardware, c.data, c.schemes], ['from-flag', 'mqtt://flag.local:1883', 'sim', join(cwd, 'flag-data'), join(cwd, 'flag-schemes')]);
  });

  test('each layer only replaces what it sets', async () => {
    const cwd = tree({ 'hanode.yaml': file });
    const c = await loadConfig({ hardware: 'sim' }, { HANODE_NODE_ID: 'from-env' }, cwd);
    assert.deepEqual([c.node.id, c.mqtt.url, c.hardware, c.data], ['from-env', 'mqtt://file.local:1883', 'sim', join(cwd, 'file-data')]);
  });

  test('an empty environment variable counts as unset', async () => {
    const cwd = tree({ 'hanode.yaml': file });
    const c = await loadConfig({}, { HANODE_NODE_ID: '', HANODE_HARDWARE: '' }, cwd);
    assert.deepEqual([c.node.id, c.hardware], ['from-file', 'linux']);
  });

  test('bad values in the environment and in flags are named by where they came from', async () => {
    const cwd = tree();
    const problems = await problemsOf(
      loadConfig({ node: 'Bad Id', hardware: 'simm', mqtt: 'hub.local', logLevel: 'loud' }, { HANODE_HARDWARE: 'linx', HANODE_MQTT_URL: 'http://x', HANODE_NODE_ID: '-x' }, cwd),
    );
    assert.deepEqual(problems, [
      `HANODE_MQTT_URL: expected a URL such as mqtt://host:1883, got 'http://x'`,
      `HANODE_NODE_ID: expected lower-case letters, digits and dashes, starting with a letter or digit, got "-x"`,
      `HANODE_HARDWARE: expected one of auto, linux, sim, got "linx"; did you mean 'linux'?`,
      `--mqtt: expected a URL such as mqtt://host:1883, got 'hub.local'`,
      `--node: expected lower-case letters, digits and dashes, starting with a letter or digit, got "Bad Id"`,
      `--hardware: expected one of auto, linux, sim, got "simm"; did you mean 'sim'?`,
      `--log-level: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"`,
    ]);
  });
});

describe('invalid files', () => {
  test('problems in the optional sections (gateway, history, http, time) are placed and worded like the rest', async () => {
    const yaml = [
      'gateway:',
      '  tcpp: {port: 7420}',
      '  limits: {devices: 0}',
      'history:',
      '  retention: soon',
      'http:',
      '  host: 0.0.0.0',
      '  prot: 8420',
      'time:',
      '  publish_every: 10ms',
      '',
    ].join('\n');
    const cwd = tree({ 'hanode.yaml': yaml });
    const file = join(cwd, 'hanode.yaml');
    const problems = await problemsOf(loadConfig({}, {}, cwd));
    assert.deepEqual(problems, [
      `${file}:2:3: unknown key 'tcpp' in gateway; did you mean 'tcp'?`,
      `${file}:3:21: gateway.limits.devices: expected a number > 0, got 0`,
      `${file}:5:14: history.retention: expected a duration such as 30d, 12h or 2w`,
      `${file}:7:9: http.host: http.host is 0.0.0.0, which other machines can reach, and http.token is not set: refusing to serve the HTTP API without a token. Set http.token (e.g. token: !secret http_token) or bind to 127.0.0.1`,
      `${file}:8:3: unknown key 'prot' in http; did you mean 'port'?`,
      `${file}:10:18: time.publish_every: expected at least 1s`,
    ]);
  });

  test('the optional sections are absent when the file has none, and take their defaults when present', async () => {
    const cwd = tree({ 'hanode.yaml': 'node: {id: plain}\n' });
    const config = await loadConfig({}, {}, cwd);
    assert.equal(config.gateway, undefined);
    assert.equal(config.history, undefined);
    const withThem = await loadConfig({}, {}, tree({ 'hanode.yaml': 'history: {}\nhttp: {port: 0}\ntime: {}\ngateway: {}\n' }));
    assert.equal(withThem.history?.retention, 30 * 86_400_000);
    assert.equal(withThem.http?.host, '127.0.0.1');
    assert.deepEqual(withThem.time, {});
    assert.equal(withThem.gateway?.keepalive, 30_000);
  });

  test('every problem at once, each as FILE:LINE:COL: message, in file order', async () => {
    const file = join(fixtures, 'broken/hanode.yaml');
    const problems = await problemsOf(loadConfig({ config: file }, {}, tree()));
    assert.deepEqual(problems, [
      `${file}:1:1: unknown key 'nod'; did you mean 'node'?`,
      `${file}:4:8: mqtt.url: expected a URL such as mqtt://host:1883, got 'http://hub.local'`,
      `${file}:5:3: unknown key 'pasword' in mqtt; did you mean 'password'?`,
      `${file}:5:20: secret 'mqtt_password' is not in secrets.yaml; did you mean 'mqtt_passwd'?`,
      `${file}:6:13: environment variable HANODE_TEST_USER is not set`,
      `${file}:8:9: broker.port: expected a number <= 65535, got 99999`,
      `${file}:9:11: hardware: expected one of auto, linux, sim, got "linx"; did you mean 'linux'?`,
      `${file}:10:1: unknown key 'log_levle'; did you mean 'log_level'?`,
    ]);
  });

  test('an unknown key far from any known one gets no suggestion', async () => {
    const cwd = tree({ 'hanode.yaml': 'hardware: sim\nzigbee: true\n' });
    const problems = await problemsOf(loadConfig({}, {}, cwd));
    assert.deepEqual(problems, [`${join(cwd, 'hanode.yaml')}:2:1: unknown key 'zigbee'`]);
  });

  test('bad urls: wrong scheme, no host, not a URL', async () => {
    for (const [url, message] of [
      ['http://hub.local:1883', `expected a URL such as mqtt://host:1883, got 'http://hub.local:1883'`],
      ['hub.local:1883', `expected a URL such as mqtt://host:1883, got 'hub.local:1883'`],
      ['mqtt://', `'mqtt://' has no host`],
      ['mqtt://hub.local:99999', `'mqtt://hub.local:99999' is not a valid URL`],
    ]) {
      const cwd = tree({ 'hanode.yaml': `mqtt:\n  url: "${url}"\n` });
      const problems = await problemsOf(loadConfig({}, {}, cwd));
      assert.deepEqual(problems, [`${join(cwd, 'hanode.yaml')}:2:8: mqtt.url: ${message}`], url);
    }
  });

  test('wrong types and shapes', async () => {
    const cwd = tree({ 'hanode.yaml': 'node: kitchen-pi\nbroker:\n  port: high\nbridges: {}\nbase_topic: "han/#"\n' });
    const file = join(cwd, 'hanode.yaml');
    const problems = await problemsOf(loadConfig({}, {}, cwd));
    assert.deepEqual(problems, [
      `${file}:1:7: node: expected a mapping, got "kitchen-pi"`,
      `${file}:3:9: broker.port: expected a number, got "high"`,
      `${file}:4:10: bridges: expected a list, got a mapping`,
      `${file}:5:13: base_topic: expected a topic without wildcards, not starting with $`,
    ]);
  });

  test('a file that is not a mapping', async () => {
    const cwd = tree({ 'hanode.yaml': '- node: x\n' });
    const problems = await problemsOf(loadConfig({}, {}, cwd));
    assert.deepEqual(problems, [`${join(cwd, 'hanode.yaml')}:1:1: expected a mapping, got a list`]);
  });

  test('invalid YAML is reported at its place', async () => {
    const cwd = tree({ 'hanode.yaml': 'node: { id: x\nhardware: sim\n' });
    const problems = await problemsOf(loadConfig({}, {}, cwd));
    assert.ok(problems.length >= 1);
    for (const p of problems) {
      assert.match(p, located);
      assert.ok(p.startsWith(`${join(cwd, 'hanode.yaml')}:`), p);
      assert.match(p, /invalid YAML/);
    }
  });
});

describe('credentials in the broker URL', () => {
  test('are taken out of the URL, decoded whole, and win over the file\'s username and password', async () => {
    const cwd = tree({ 'hanode.yaml': 'mqtt:\n  url: "mqtt://kitchen:p%40ss%3Aword@hub.local:1883"\n  username: other\n  password: other\n' });
    const c = await loadConfig({}, {}, cwd);
    assert.equal(c.mqtt.url, 'mqtt://hub.local:1883');
    assert.equal(c.mqtt.username, 'kitchen');
    assert.equal(c.mqtt.password, 'p@ss:word');
  });

  test('a URL with only a password keeps the username from the file', async () => {
    const cwd = tree({ 'hanode.yaml': 'mqtt: { username: kitchen }\n' });
    const c = await loadConfig({}, { HANODE_MQTT_URL: 'mqtts://:t0ken@hub.local:8883/' }, cwd);
    assert.equal(c.mqtt.url, 'mqtts://hub.local:8883/');
    assert.equal(c.mqtt.username, 'kitchen');
    assert.equal(c.mqtt.password, 't0ken');
  });

  test('a URL from a flag without credentials leaves the file\'s credentials alone', async () => {
    const cwd = tree({ 'hanode.yaml': 'mqtt: { username: kitchen, password: hunter2 }\n' });
    const c = await loadConfig({ mqtt: 'mqtt://hub.local:1883' }, {}, cwd);
    assert.deepEqual([c.mqtt.url, c.mqtt.username, c.mqtt.password], ['mqtt://hub.local:1883', 'kitchen', 'hunter2']);
  });

  test('an error about a URL never repeats its password', async () => {
    const cwd = tree({ 'hanode.yaml': 'mqtt:\n  url: "http://kitchen:hunter2@hub.local"\n  password: [hunter3]\n' });
    const problems = await problemsOf(loadConfig({ mqtt: 'tcp://:hunter4@' }, { HANODE_MQTT_URL: 'hub.local:hunter5@x' }, cwd));
    assert.equal(problems.length, 4, problems.join('\n'));
    for (const p of problems) assert.doesNotMatch(p, /hunter/, p);
    assert.match(problems[0], /mqtt\.url: expected a URL such as mqtt:\/\/host:1883, got 'http:\/\/kitchen:\*\*\*@hub\.local'$/);
    assert.match(problems[1], /mqtt\.password: expected a string, got a hidden value$/);
  });
});

describe('hostile files', () => {
  const bomb = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]', ...Array.from({ length: 8 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(',')}]`)].join('\n');

  test('an alias bomb in hanode.yaml is a FILE:LINE:COL problem, not a crash', async () => {
    const cwd = tree({ 'hanode.yaml': `node: { id: pi }\nx:\n  ${bomb.replace(/\n/g, '\n  ')}\n` });
    const problems = await problemsOf(loadConfig({}, {}, cwd));
    assert.deepEqual(problems, [`${join(cwd, 'hanode.yaml')}:4:12: invalid YAML: too many aliases (at most 1000 expanded in a file); is this an alias bomb?`]);
  });

  test('an alias bomb in secrets.yaml is a FILE:LINE:COL problem, not a crash', async () => {
    const cwd = tree({ 'hanode.yaml': 'mqtt: { password: !secret pw }\n', 'secrets.yaml': `pw: x\n${bomb}\n` });
    const problems = await problemsOf(loadConfig({}, {}, cwd));
    assert.deepEqual(problems, [`${join(cwd, 'secrets.yaml')}:3:10: invalid YAML: too many aliases (at most 1000 expanded in a file); is this an alias bomb?`]);
  });

  test('hanode.yaml and secrets.yaml: at the size limit they load, one byte past it they are refused unread', async () => {
    const fill = (text: string, size: number) => text + '#'.repeat(size - text.length - 1) + '\n';
    const atLimit = tree({ 'hanode.yaml': fill('node: { id: pi }\nmqtt: { password: !secret pw }\n', 256 * 1024), 'secrets.yaml': fill('pw: x\n', 256 * 1024) });
    assert.equal((await loadConfig({}, {}, atLimit)).mqtt.password, 'x');
    const big = tree({ 'hanode.yaml': fill('node: { id: pi }\n', 256 * 1024 + 1) });
    assert.deepEqual(await problemsOf(loadConfig({}, {}, big)), [`${join(big, 'hanode.yaml')}:1:1: the file has 262145 bytes, over the limit of 256 KiB for a config file`]);
    const bigSecrets = tree({ 'hanode.yaml': 'mqtt: { password: !secret pw }\n', 'secrets.yaml': fill('pw: x\n', 256 * 1024 + 1) });
    assert.deepEqual(await problemsOf(loadConfig({}, {}, bigSecrets)), [`${join(bigSecrets, 'secrets.yaml')}:1:1: the file has 262145 bytes, over the limit of 256 KiB for a config file`]);
  });
});

test('mqtt.keepalive past the 16 bits MQTT carries it in is refused at its place', async () => {
  const cwd = tree({ 'hanode.yaml': 'mqtt:\n  keepalive: 1000000\n' });
  const problems = await problemsOf(loadConfig({}, {}, cwd));
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /hanode\.yaml:2:14: mqtt\.keepalive: .*65535/);
});
