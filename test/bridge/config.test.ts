/**
 * Bad bridges in hanode.yaml (issue 6, acceptance 6): each problem at its FILE:LINE:COL, the bad
 * bridge left out, the config and the other bridges carrying on.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ConfigError } from '../../src/config/config.js';
import { validateBridges } from '../../src/bridge/validate.js';
import { BridgeService } from '../../src/bridge/service.js';
import { EventBus } from '../../src/core/bus.js';
import { useBroker } from '../helpers/broker-fixture.js';
import { Probe } from '../helpers/probe.js';
import { localLink, recordingLog } from './fixtures.js';

/** `line:col` (1-based) of the `nth` occurrence of `needle` in `text`. */
function pos(text: string, needle: string, nth = 0): string {
  let at = -1;
  for (let i = 0; i <= nth; i++) at = text.indexOf(needle, at + 1);
  assert.ok(at >= 0, `'${needle}' not in the fixture`);
  const before = text.slice(0, at).split('\n');
  return `${before.length}:${before[before.length - 1].length + 1}`;
}

function configDir(yaml: string, files: Record<string, string> = {}): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hanode-bridge-config-'));
  for (const [name, text] of Object.entries({ 'hanode.yaml': yaml, ...files })) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return { dir, file: join(dir, 'hanode.yaml') };
}

describe('bridges in hanode.yaml', () => {
  const local = useBroker({ probe: false });

  const yaml = (url: string) => `node:
  id: kitchen-pi
bridges:
  - id: cloud
    type: mqtt
    url: ${url}
    username: kitchen
    password: !secret cloud_password
    ca: certs/ca.crt
    forward:
      - { from: "han/+/kitchen-climate", to: "home/{node}/{id}", payload: "{{temperature}}" }
  - id: typo
    type: mqqt
    url: mqtt://broker.example
  - id: certless
    type: mqtt
    url: mqtts://broker.example:8883
    cert: certs/missing.crt
    key: certs/ca.crt
  - id: badtpl
    type: mqtt
    url: mqtt://broker.example
    forward:
      - { from: "han/#", to: "home/{nod}", payload: "{{temperature" }
  - id: envless
    type: webhook
    url: \${HOOK_URL_NOT_SET}
  - id: spelt
    type: webhook
    url: https://hooks.example/x
    methd: PUT
log_level: warn
`;

  test('each bad bridge is a FILE:LINE:COL problem; the config loads with the good one', async () => {
    const text = yaml(local.url);
    const { dir, file } = configDir(text, { 'secrets.yaml': 'cloud_password: s3cret\n', 'certs/ca.crt': 'PEM\n' });
    const config = await loadConfig({ config: file }, {}, dir);
    assert.deepEqual(config.bridges.map((b) => b.id), ['cloud']);
    const cloud = config.bridges[0] as { ca?: string; password?: string };
    assert.equal(cloud.ca, join(dir, 'certs/ca.crt'), 'file paths are made absolute');
    assert.equal(cloud.password, 's3cret', '!secret is resolved');
    const lines = (config.bridgeProblems ?? []).map((p) => `${p.file}:${p.line}:${p.col}: ${p.message}`);
    assert.deepEqual(lines, [
      `${file}:${pos(text, 'mqqt')}: bridge 'typo': unknown bridge type 'mqqt'; did you mean 'mqtt'?`,
      `${file}:${pos(text, 'certs/missing.crt')}: bridge 'certless': cannot read cert file ${join(dir, 'certs/missing.crt')}: no such file`,
      `${file}:${pos(text, '"home/{nod}"')}: bridge 'badtpl': forward.0.to: unknown placeholder {nod}; expected {node}, {id}, {base}`,
      `${file}:${pos(text, '"{{temperature"')}: bridge 'badtpl': forward.0.payload: template line 1, col 1: output "{{temperature" not closed`,
      `${file}:${pos(text, '${HOOK_URL_NOT_SET}')}: environment variable HOOK_URL_NOT_SET is not set`,
      `${file}:${pos(text, 'methd')}: bridge 'spelt': unknown key 'methd'; did you mean 'method'?`,
    ]);
  });

  test('the rest runs without the bad bridges', async () => {
    const text = yaml(local.url);
    const { dir, file } = configDir(text, { 'secrets.yaml': 'cloud_password: s3cret\n', 'certs/ca.crt': 'PEM\n' });
    const config = await loadConfig({ config: file }, {}, dir);
    const { log } = recordingLog();
    const link = await localLink(local.url, log);
    const probe = await Probe.connect(local.url, 'han/#');
    const service = new BridgeService({ bridges: config.bridges, node: 'kitchen-pi', base: 'han', localLink: link, bus: new EventBus(log), log, dataDir: join(dir, 'data') });
    await service.start();
    try {
      await probe.waitFor('han/kitchen-pi/$bridge/cloud/status', (p) => p === 'online');
      assert.deepEqual(service.status().map((s) => s.id), ['cloud']);
      await assert.rejects(service.notify('typo', {}), /no bridge 'typo' is configured; bridges: cloud/);
    } finally {
      await service.stop();
      await link.stop();
      await probe.close();
    }
  });

  test('a problem outside bridges is still fatal, and the bridge problems are listed with it', async () => {
    const text = 'log_level: loud\nbridges:\n  - id: x\n    type: nope\n';
    const { dir, file } = configDir(text);
    await assert.rejects(loadConfig({ config: file }, {}, dir), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.problems.length, 2);
      assert.match(err.problems[0], new RegExp(`^${file}:1:12: log_level`));
      assert.equal(err.problems[1], `${file}:${pos(text, 'nope')}: bridge 'x': unknown bridge type 'nope'; expected one of mqtt, aws-iot, azure-iot-hub, adafruit-io, thingspeak, webhook`);
      return true;
    });
  });
});

describe('bridge cross-checks', () => {
  const check = (raw: unknown[]) => validateBridges(raw, { dir: '/' }).problems.map((p) => p.message);

  test('aws-iot: endpoint or url, a topic or the shadow, at most 7 slashes, cert and key required', () => {
    assert.deepEqual(check([{ id: 'a', type: 'aws-iot', thing_name: 't', cert: '/dev/null', key: '/dev/null', forward: [{ from: 'han/#' }, { from: 'han/#', to: 'a/b/c/d/e/f/g/h/i' }] }]), [
      "bridge 'a': expected endpoint (the account's AWS IoT endpoint) or url",
      "bridge 'a': expected to (a topic), or shadow: true on the bridge to update the device shadow",
      "bridge 'a': AWS IoT allows at most 7 slashes in a topic",
    ]);
    assert.deepEqual(check([{ id: 'a', type: 'aws-iot', endpoint: 'x.iot.eu-west-1.amazonaws.com', thing_name: 't' }]), ["bridge 'a': cert: expected cert (a string)", "bridge 'a': key: expected key (a string)"]);
  });

  test('azure-iot-hub: MQTT 3.1.1 only, and a connection string that names no key in its problems', () => {
    const problems = check([{ id: 'z', type: 'azure-iot-hub', connection_string: 'HostName=h;SharedAccessKey=c2VjcmV0', protocol_version: 5 }]);
    assert.equal(problems.length, 2);
    assert.match(problems[0], /DeviceId missing/);
    assert.match(problems[1], /protocol_version: expected one of 4, "3.1.1"/);
    assert.ok(!problems.join('').includes('c2VjcmV0'));
  });

  test('thingspeak: the credentials of its mode, ThingSpeak field names', () => {
    assert.deepEqual(check([{ id: 't', type: 'thingspeak', channel: 1, forward: [{ from: 'han/#', fields: { field9: 'x' } }] }]), [
      "bridge 't': forward.0.fields.field9: 'field9' is not a ThingSpeak field; expected field1 … field8, status, latitude, longitude or elevation",
    ]);
    assert.deepEqual(check([{ id: 't', type: 'thingspeak', channel: 1 }]), ["bridge 't': expected api_key (the channel's write API key) for mode http"]);
    assert.equal(check([{ id: 't', type: 'thingspeak', channel: '42', mode: 'mqtt', client_id: 'c', username: 'u', password: 'p' }]).length, 0);
  });

  test('rates, durations, duplicate ids, a filter with # in the middle, a wildcard in a receive target', () => {
    assert.deepEqual(
      check([
        { id: 'w', type: 'webhook', url: 'https://x.example', rate: 'fast', timeout: '10 parsecs' },
        { id: 'w', type: 'webhook', url: 'ftp://x.example' },
        { id: 'm', type: 'mqtt', url: 'mqtt://x', forward: [{ from: 'han/#/x', to: 'y' }], receive: [{ from: 'a', to: 'han/+/set' }] },
      ]),
      [
        "bridge 'w': rate: expected a rate such as 50/s, 30/min or 2/h",
        "bridge 'w': timeout: expected a duration such as 500ms, 30s, 5m or 1h",
        "bridge 'w': url: expected a URL such as https://example.com/hook, got 'ftp://x.example'",
        "bridge 'm': forward.0.from: 'han/#/x' is not a valid topic filter: # must be the last level",
        "bridge 'm': receive.0.to: a topic to publish to cannot hold the wildcards + or #",
      ],
    );
    assert.deepEqual(check([{ id: 'w', type: 'webhook', url: 'https://a' }, { id: 'w', type: 'webhook', url: 'https://b' }]), [
      "bridge 'w': a bridge with this id is already defined above; ids must be unique",
    ]);
  });

  test('a password needs a username', () => {
    assert.deepEqual(check([{ id: 'm', type: 'mqtt', url: 'mqtt://x', password: 'p' }]), ["bridge 'm': a password needs a username"]);
  });

  test('a password in a bad URL is never repeated', () => {
    const [p] = check([{ id: 'm', type: 'mqtt', url: 'http://user:hunter2@x' }]);
    assert.ok(!p.includes('hunter2'), p);
  });

  test('enabled: false keeps a bridge out without a problem; rates are per second', () => {
    const r = validateBridges([{ id: 'off', type: 'webhook', url: 'https://a', enabled: false }, { id: 'aio', type: 'adafruit-io', user: 'u', key: 'k' }], { dir: '/' });
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.bridges.map((b) => b.id), ['aio']);
    assert.equal((r.bridges[0] as { rate: number }).rate, 0.5);
  });
});
