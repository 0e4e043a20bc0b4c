/**
 * Bridges inside the whole agent: hanode.yaml with an MQTT bridge to a second Mosquitto (the
 * "cloud") and a webhook, read by loadConfig, and a rule whose `notify` goes through the webhook.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Mosquitto } from '../helpers/mosquitto.js';
import { Probe } from '../helpers/probe.js';
import { loadConfig } from '../../src/config/config.js';
import { builtinRegistry } from '../../src/cli/registry.js';
import { silentLogger } from '../../src/core/log.js';
import { Agent } from '../../src/agent/agent.js';

const N = 'bridged-pi';
const T = (s: string) => `han/${N}/${s}`;

test('an MQTT bridge forwards and receives, a webhook takes a rule notify, and a bad bridge is left out', async () => {
  const local = await Mosquitto.start();
  const cloud = await Mosquitto.start();
  const hooks: string[] = [];
  const web = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => (hooks.push(body), res.end('ok')));
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', () => r()));
  const webPort = (web.address() as { port: number }).port;

  const dir = mkdtempSync(join(tmpdir(), 'hanode-bridge-agent-'));
  mkdirSync(join(dir, 'schemes'));
  writeFileSync(join(dir, 'schemes', 'a.yaml'), `
inputs:
  - { id: climate, driver: bme280, interval: 200ms }
outputs:
  - { id: fan, driver: gpio-out, pin: 27 }
rules:
  - id: hot-alert
    when: { all: [ { fact: climate, path: $.temperature, operator: greaterThan, value: 30 } ] }
    then: [ { notify: { bridge: hook, message: "too hot" } } ]
`);
  writeFileSync(join(dir, 'hanode.yaml'), `
node: { id: ${N} }
mqtt: { url: ${local.url} }
hardware: sim
bridges:
  - id: cloud
    type: mqtt
    url: ${cloud.url}
    forward:
      - { from: "han/+/climate", to: "home/{node}/{id}", payload: "{{temperature}}" }
    receive:
      - { from: "home/fan/set", to: "han/${N}/fan/set" }
  - id: hook
    type: webhook
    url: http://127.0.0.1:${webPort}/alert
  - id: broken
    type: carrier-pigeon
`);
  const config = await loadConfig({ config: join(dir, 'hanode.yaml') });
  assert.equal(config.bridges.length, 2, 'the bad bridge is left out');
  const probe = await Probe.connect(local.url);
  const remote = await Probe.connect(cloud.url, 'home/#');
  const agent = new Agent({ config, registry: builtinRegistry(), log: silentLogger, retry: { min: 100, max: 200 } });
  try {
    await agent.start();
    await probe.waitFor(T('$bridge/cloud/status'), (p) => p === 'online', 5_000);
    await probe.waitFor(T('$bridge/hook/status'), (p) => p === 'online', 5_000);
    const err = await probe.waitFor(T('$error'), (p) => /carrier-pigeon/.test(JSON.parse(p).error), 5_000);
    assert.match(JSON.parse(err.payload).error, /hanode\.yaml:\d+:\d+: /);

    // local → cloud, with the payload template
    const since = remote.mark();
    await probe.publish(T('$sim/climate/set'), '{"temperature":22.5}');
    await remote.waitFor(`home/${N}/climate`, (p) => p === '22.5', 5_000, since);

    // cloud → local: the remote command switches the fan
    const fanMark = probe.mark();
    await remote.publish('home/fan/set', 'ON');
    await probe.waitForState(T('fan'), (s) => s.state === 'ON', 5_000, fanMark);

    // a rule's notify goes out through the webhook bridge
    await probe.publish(T('$sim/climate/set'), '{"temperature":31}');
    const deadline = Date.now() + 5_000;
    while (!hooks.some((h) => h.includes('too hot')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(hooks.some((h) => h.includes('too hot')), `webhook bodies: ${JSON.stringify(hooks)}`);

    // health lists the bridges
    const h = probe.mark();
    await probe.client.subscribeAsync(T('$response/#'));
    await probe.publish(T('$request/health'), '{"transaction":"b"}');
    const health = JSON.parse((await probe.waitFor(T('$response/health'), (p) => JSON.parse(p).transaction === 'b', 3_000, h)).payload);
    assert.deepEqual(health.data.bridges.map((b: { id: string }) => b.id).sort(), ['cloud', 'hook']);
  } finally {
    await agent.stop();
    await probe.close();
    await remote.close();
    await local.stop();
    await cloud.stop();
    web.close();
  }
});
