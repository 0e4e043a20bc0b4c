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
