/**
 * The `mqtt` bridge against a second, private Mosquitto that stands in for the cloud: TLS with
 * certificates made here, client certificates required. Forward and receive mappings, loop
 * protection both ways, on MQTT 5 and 3.1.1.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { Mosquitto } from '../helpers/mosquitto.js';
import { useBroker } from '../helpers/broker-fixture.js';
import { Probe } from '../helpers/probe.js';
import { makeCerts, type TestCerts } from './certs.js';
import { cloudClient, Inbox, NODE, sleep, startBridges, type Running } from './fixtures.js';

const certs: TestCerts = makeCerts();
const SECRET = 'cloud-pa55-never-logged';

function cloudBridge(url: string, version: 4 | 5, extra: Record<string, unknown> = {}) {
  return {
    id: 'cloud',
    type: 'mqtt',
    url,
    ca: certs.ca,
    cert: certs.clientCert,
    key: certs.clientKey,
    username: 'kitchen',
    password: SECRET,
    protocol_version: version === 4 ? '3.1.1' : 5,
    forward: [
      { from: 'han/+/kitchen-climate', to: 'home/{node}/{id}', payload: '{{temperature}}' },
      { from: 'han/+/kitchen-door', to: 'home/{node}/{id}' },
      { from: 'han/+/echo', to: 'home/echo' },
    ],
    receive: [
      { from: 'home/fan/set', to: 'han/kitchen-pi/kitchen-fan/set' },
      { from: 'home/echo', to: 'han/remote/echo' },
    ],
    ...extra,
  };
}

for (const version of [5, 4] as const) {
  describe(`mqtt bridge to a TLS broker requiring client certificates (MQTT ${version === 5 ? '5' : '3.1.1'})`, () => {
    const local = useBroker({ probe: 'han/#' });
    let cloud: Mosquitto;
    let remote: MqttClient;
    let inbox: Inbox;
    let bridges: Running;

    local.before(async () => {
      cloud = await Mosquitto.start({ tls: { ca: certs.ca, cert: certs.serverCert, key: certs.serverKey, requireCertificate: true } });
      remote = await cloudClient(cloud.url, certs);
      inbox = new Inbox(remote);
      await remote.subscribeAsync('home/#', { qos: 1 });
      bridges = await startBridges(local.url, [cloudBridge(cloud.url, version)]);
      await local.probe.waitFor(`han/${NODE}/$bridge/cloud/status`, (p) => p === 'online');
    });

    local.after(async () => {
      await bridges?.stop();
      await remote?.endAsync(true);
      await cloud?.stop();
    });

    test('status is retained online on B/N/$bridge/<id>/status', async () => {
      const late = await Probe.connect(local.url, `han/${NODE}/$bridge/#`);
      const m = await late.waitFor(`han/${NODE}/$bridge/cloud/status`);
      assert.equal(m.payload, 'online');
      assert.equal(m.retain, true);
      await late.close();
    });

    test('forward: topic template from B/N/S and a {{field}} payload template', async () => {
      await local.probe.publish('han/kitchen-pi/kitchen-climate', JSON.stringify({ temperature: 21.5, humidity: 40, ts: new Date().toISOString() }));
      await inbox.until(() => inbox.on('home/kitchen-pi/kitchen-climate').length > 0);
      assert.deepEqual(inbox.on('home/kitchen-pi/kitchen-climate'), ['21.5']);
    });

    test('forward: the whole JSON when there is no payload template', async () => {
      const state = JSON.stringify({ state: 'OPEN', ts: '2025-01-01T00:00:00.000Z' });
      await local.probe.publish('han/hall-pi/kitchen-door', state);
      await inbox.until(() => inbox.on('home/hall-pi/kitchen-door').length > 0);
      assert.deepEqual(inbox.on('home/hall-pi/kitchen-door'), [state]);
    });

    test('a reading without the templated field is not forwarded', async () => {
      await local.probe.publish('han/kitchen-pi/kitchen-climate', JSON.stringify({ humidity: 41 }));
      await local.probe.publish('han/kitchen-pi/kitchen-climate', JSON.stringify({ temperature: 22 }));
      await inbox.until(() => inbox.on('home/kitchen-pi/kitchen-climate').includes('22'));
      assert.deepEqual(inbox.on('home/kitchen-pi/kitchen-climate'), ['21.5', '22']);
    });

    test('receive: a remote command is published on the local broker', async () => {
      const since = local.probe.mark();
      await remote.publishAsync('home/fan/set', 'ON', { qos: 1 });
      const m = await local.probe.waitFor('han/kitchen-pi/kitchen-fan/set', () => true, 5_000, since);
      assert.equal(m.payload, 'ON');
      assert.equal(m.retain, false);
    });

    test('loop protection: a message from the remote is not forwarded back', async () => {
      const since = local.probe.mark();
      const before = inbox.on('home/echo').length;
      await remote.publishAsync('home/echo', 'from-cloud', { qos: 1 });
      // It crosses to the local side, which matches the forward filter han/+/echo …
      await local.probe.waitFor('han/remote/echo', (p) => p === 'from-cloud', 5_000, since);
      await sleep(500);
      // … yet the cloud saw it once: its own publish.
      assert.deepEqual(inbox.on('home/echo').slice(before), ['from-cloud']);
      assert.ok(bridges.service.status()[0].looped >= 1);
    });

    test('loop protection: a forwarded message that the remote echoes is not brought back', async () => {
      const since = local.probe.mark();
      const before = inbox.on('home/echo').length;
      await local.probe.publish('han/kitchen-pi/echo', 'from-local');
      await inbox.until(() => inbox.on('home/echo').length > before);
      await sleep(500);
      assert.deepEqual(inbox.on('home/echo').slice(before), ['from-local']);
      assert.deepEqual(local.probe.messages.filter((m) => m.seq >= since && m.topic === 'han/remote/echo'), []);
    });

    test('a bridge without a client certificate, or with one from another CA, is refused', async () => {
      const { cert: _c, key: _k, ...noCert } = cloudBridge(cloud.url, version, { id: 'no-cert' });
      const stranger = cloudBridge(cloud.url, version, { id: 'stranger', cert: certs.strangerCert, key: certs.strangerKey });
      const others = await startBridges(local.url, [noCert, stranger]);
      await sleep(1_500);
      const status = Object.fromEntries(others.service.status().map((s) => [s.id, s]));
      assert.equal(status['no-cert'].online, false);
      assert.equal(status.stranger.online, false);
      assert.ok(status.stranger.lastError, 'the refusal is kept as lastError');
      await others.stop();
    });

    test('the password never reaches the log', () => {
      assert.ok(bridges.lines.length > 0);
      assert.ok(!bridges.lines.some((l) => l.includes(SECRET)), 'a log line holds the password');
      assert.ok(!JSON.stringify(bridges.service.status()).includes(SECRET));
    });
  });
}
