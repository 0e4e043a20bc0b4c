/** `gateway:` in hanode.yaml: off unless present, defaults, and FILE:LINE:COL errors like every other section. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ConfigError } from '../../src/config/config.js';

function configFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'hanode-gw-config-'));
  writeFileSync(join(dir, 'hanode.yaml'), text);
  return join(dir, 'hanode.yaml');
}

test('the gateway is off unless hanode.yaml has gateway:', async () => {
  const config = await loadConfig({ config: configFile('node: { id: pi }\n') }, {});
  assert.equal(config.gateway, undefined);
});

test('the README example is read, with defaults for what it leaves out', async () => {
  const file = configFile(`gateway:
  tcp: { host: 127.0.0.1, port: 7420 }
  serial: [ { path: /dev/ttyUSB0, baud: 115200 } ]
  keepalive: 30s
  allow: [garage-esp, porch-arduino]
  expose: [ { variable: kitchen_temp, from: kitchen-climate, field: temperature } ]
  drive:  [ { variable: porch_light, output: porch-light } ]
`);
  const { gateway } = await loadConfig({ config: file }, {});
  assert.deepEqual(gateway, {
    tcp: { host: '127.0.0.1', port: 7420 },
    serial: [{ path: '/dev/ttyUSB0', baud: 115200 }],
    keepalive: 30_000,
    allow: ['garage-esp', 'porch-arduino'],
    expose: [{ variable: 'kitchen_temp', from: 'kitchen-climate', field: 'temperature' }],
    drive: [{ variable: 'porch_light', output: 'porch-light' }],
    limits: { devices: 2_000, subscriptions: 256, variables: 256, write_queue: 65_536 },
  });
  const bare = await loadConfig({ config: configFile('gateway: {}\n') }, {});
  assert.deepEqual(bare.gateway?.serial, []);
  assert.equal(bare.gateway?.tcp, undefined, 'no tcp: no TCP server');
  assert.equal(bare.gateway?.keepalive, 30_000);
});

test('every problem in gateway: is reported at its FILE:LINE:COL, with did-you-mean', async () => {
  const file = configFile(`gateway:
  tcp: { host: 127.0.0.1, prot: 7420 }
  keepalive: soon
  allow: [ok-id, "no spaces"]
  expose: [ { variable: t, from: Kitchen, field: temperature } ]
  drive: [ { variable: x } ]
  limits: { devices: 0 }
  alow: []
`);
  try {
    await loadConfig({ config: file }, {});
    assert.fail('expected a ConfigError');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    const lines = err.problems;
    const at = (line: number, pattern: RegExp) =>
      assert.ok(lines.some((l) => l.startsWith(`${file}:${line}:`) && pattern.test(l)), `line ${line} ${pattern} in:\n${lines.join('\n')}`);
    at(2, /unknown key 'prot' in gateway\.tcp.*did you mean 'port'/);
    at(3, /gateway\.keepalive: .*duration/);
    at(4, /gateway\.allow\.1: expected a device ID of 1 to 64/);
    at(5, /gateway\.expose\.0\.from: expected a scheme id/);
    at(6, /gateway\.drive\.0\.output: expected a string/);
    at(7, /gateway\.limits\.devices: expected a number > 0/);
    at(8, /unknown key 'alow' in gateway.*did you mean 'allow'/);
  }
});

test('a keepalive outside 100ms to 1h is refused', async () => {
  for (const keepalive of ['10ms', '2h']) {
    await assert.rejects(loadConfig({ config: configFile(`gateway: { keepalive: ${keepalive} }\n`) }, {}), /gateway\.keepalive: expected a keepalive from 100ms to 1h/);
  }
});
