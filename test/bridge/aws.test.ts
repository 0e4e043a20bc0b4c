/**
 * aws-iot against the TLS "cloud" Mosquitto (client certificates required) with an ACL that lets a
 * client write a thing's shadow only when its client id is that thing's name, as AWS IoT policies
 * usually do (`iot:ClientId` = thing name).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { Mosquitto } from '../helpers/mosquitto.js';
import { useBroker } from '../helpers/broker-fixture.js';
import { makeCerts } from './certs.js';
import { cloudClient, Inbox, sleep, startBridges, type Running } from './fixtures.js';

const THING = 'kitchen-thing';
const SHADOW = `$aws/things/${THING}/shadow/update`;

describe('aws-iot bridge', () => {
  const certs = makeCerts();
  const local = useBroker({ probe: 'han/#' });
  let cloud: Mosquitto;
  let remote: MqttClient;
  let inbox: Inbox;
  let bridges: Running;

  local.before(async () => {
    const acl = join(certs.dir, 'acl');
    writeFileSync(acl, 'topic read #\ntopic read $aws/#\ntopic write home/#\npattern write $aws/things/%c/shadow/update\n');
    chmodSync(acl, 0o644);
    cloud = await Mosquitto.start({ extra: `acl_file ${acl}\n`, tls: { ca: certs.ca, cert: certs.serverCert, key: certs.serverKey, requireCertificate: true } });
    remote = await cloudClient(cloud.url, certs);
    inbox = new Inbox(remote);
    await remote.subscribeAsync(['home/#', '$aws/things/#'], { qos: 1 });
    bridges = await startBridges(local.url, [
      {
        id: 'aws',
        type: 'aws-iot',
        url: cloud.url,
        thing_name: THING,
        ca: certs.ca,
        cert: certs.clientCert,
        key: certs.clientKey,
        shadow: true,
        forward: [{ from: 'han/+/kitchen-climate', to: 'home/{thing}/{id}' }, { from: 'han/+/kitchen-fan' }],
        receive: [{ from: `home/${THING}/fan/set`, to: 'han/kitchen-pi/kitchen-fan/set' }],
      },
    ]);
    await local.probe.waitFor('han/test-pi/$bridge/aws/status', (p) => p === 'online');
  });

  local.after(async () => {
    await bridges?.stop();
    await remote?.endAsync(true);
    await cloud?.stop();
  });

  test('the ACL is real: a client whose id is not the thing name cannot write the shadow', async () => {
    const stranger = await cloudClient(cloud.url, certs, { clientId: 'not-the-thing', protocolVersion: 4 });
    await stranger.publishAsync(SHADOW, '{"state":{"reported":{"x":1}}}', { qos: 1 });
    await sleep(300);
    assert.deepEqual(inbox.on(SHADOW), []);
    await stranger.endAsync(true);
  });

  test('a forwarded state goes to the rule topic and, as the thing (client id), into the shadow', async () => {
    const state = { temperature: 21.5, humidity: 40, ts: '2025-01-01T12:00:00.000Z' };
    await local.probe.publish('han/kitchen-pi/kitchen-climate', JSON.stringify(state));
    await inbox.until(() => inbox.on(SHADOW).length > 0 && inbox.on(`home/${THING}/kitchen-climate`).length > 0);
    assert.deepEqual(JSON.parse(inbox.on(`home/${THING}/kitchen-climate`)[0]), state);
    assert.deepEqual(JSON.parse(inbox.on(SHADOW)[0]), { state: { reported: { 'kitchen-climate': state } } });
  });

  test('a forward without a topic only updates the shadow', async () => {
    await local.probe.publish('han/kitchen-pi/kitchen-fan', JSON.stringify({ state: 'ON' }));
    await inbox.until(() => inbox.on(SHADOW).length > 1);
    assert.deepEqual(JSON.parse(inbox.on(SHADOW)[1]), { state: { reported: { 'kitchen-fan': { state: 'ON' } } } });
    assert.deepEqual(inbox.messages.filter((m) => m.topic.includes('kitchen-fan') && !m.topic.startsWith('$aws')), []);
  });

  test('receive brings a command from AWS IoT to the local broker', async () => {
    const since = local.probe.mark();
    await remote.publishAsync(`home/${THING}/fan/set`, 'OFF', { qos: 1 });
    assert.equal((await local.probe.waitFor('han/kitchen-pi/kitchen-fan/set', () => true, 5_000, since)).payload, 'OFF');
  });
});
