/** MqttLink against a real Mosquitto (MQTT 5) and aedes (3.1.1): overlapping filters never run a handler twice. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'mqtt';
import { MqttLink } from '../../src/mqtt/link.js';
import { silentLogger } from '../../src/core/log.js';
import { Mosquitto, freePort } from '../helpers/mosquitto.js';
import { startEmbeddedBroker } from '../../src/mqtt/embedded.js';

async function overlapping(url: string, protocolVersion: 4 | 5) {
  const link = new MqttLink({ url, clientId: `hanode-link-${protocolVersion}`, will: { topic: 'x/status', payload: 'offline', retain: true, qos: 1 }, log: silentLogger, protocolVersion });
  await link.start();
  const seen: string[] = [];
  link.subscribe('han/+/temp', (t) => seen.push(`wild ${t}`));
  link.subscribe('han/b/temp', (t) => seen.push(`exact ${t}`));
  link.subscribe('han/#', (t) => seen.push(`all ${t}`));
  await new Promise((r) => setTimeout(r, 200));
  const other = connect(url, { clientId: `pub-${protocolVersion}` });
  await new Promise<void>((r) => other.once('connect', () => r()));
  await other.publishAsync('han/b/temp', '21', { qos: 1 });
  await other.publishAsync('han/c/temp', '22', { qos: 1 });
  await new Promise((r) => setTimeout(r, 300));
  await other.endAsync();
  await link.stop();
  return seen.sort();
}

test('MQTT 5: each handler runs once per message, whatever other filters match', async () => {
  const m = await Mosquitto.start();
  try {
    assert.deepEqual(await overlapping(m.url, 5), ['all han/b/temp', 'all han/c/temp', 'exact han/b/temp', 'wild han/b/temp', 'wild han/c/temp']);
  } finally {
    await m.stop();
  }
});

test('MQTT 3.1.1 (embedded broker): the same', async () => {
  const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: await freePort(), log: silentLogger });
  try {
    assert.deepEqual(await overlapping(broker.url, 4), ['all han/b/temp', 'all han/c/temp', 'exact han/b/temp', 'wild han/b/temp', 'wild han/c/temp']);
  } finally {
    await broker.close();
  }
});

/** What `link` sees on `han/cfg/#` (subscribed with no-local) and `han/all/#` (without) of its own and another client's publishes. */
async function noLocal(url: string, protocolVersion: 4 | 5) {
  const link = new MqttLink({ url, clientId: `hanode-nl-${protocolVersion}`, will: { topic: 'x/status', payload: 'offline', retain: true, qos: 1 }, log: silentLogger, protocolVersion });
  await link.start();
  const other = connect(url, { clientId: `pub-nl-${protocolVersion}` });
  await new Promise<void>((r) => other.once('connect', () => r()));
  // Retained before the subscription: it comes whoever published it.
  await link.publish('han/cfg/old', 'mine-before', { qos: 1, retain: true });
  const seen: string[] = [];
  link.subscribe('han/cfg/#', (t, p) => seen.push(`${t} ${p}`), { nl: true });
  link.subscribe('han/all/#', (t, p) => seen.push(`${t} ${p}`));
  await new Promise((r) => setTimeout(r, 200));
  await link.publish('han/cfg/new', 'mine', { qos: 1, retain: true });
  await link.publish('han/all/new', 'mine', { qos: 1, retain: false });
  await other.publishAsync('han/cfg/new', 'theirs', { qos: 1 });
  await new Promise((r) => setTimeout(r, 300));
  const result = [...seen].sort();
  await link.publish('han/cfg/old', '', { qos: 1, retain: true });
  await link.publish('han/cfg/new', '', { qos: 1, retain: true });
  await other.endAsync();
  await link.stop();
  return result;
}

test('MQTT 5: a no-local subscription gets retained messages and other clients\' publishes, not this client\'s own', async () => {
  const m = await Mosquitto.start();
  try {
    assert.deepEqual(await noLocal(m.url, 5), ['han/all/new mine', 'han/cfg/new theirs', 'han/cfg/old mine-before']);
  } finally {
    await m.stop();
  }
});

test('MQTT 3.1.1 (embedded broker): no-local does not exist there, so the own publish comes back too', async () => {
  const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: await freePort(), log: silentLogger });
  try {
    assert.deepEqual(await noLocal(broker.url, 4), ['han/all/new mine', 'han/cfg/new mine', 'han/cfg/new theirs', 'han/cfg/old mine-before']);
  } finally {
    await broker.close();
  }
});
