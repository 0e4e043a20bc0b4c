/** thingspeak in mode mqtt: `channels/<id>/publish` with field1…8 as a form, the device credentials, the interval. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'mqtt';
import { Mosquitto } from '../helpers/mosquitto.js';
import { Probe } from '../helpers/probe.js';
import { Inbox, sleep, startBridges } from './fixtures.js';

test('thingspeak over MQTT publishes the mapped fields on channels/<id>/publish, no faster than the interval', async () => {
  const local = await Mosquitto.start();
  const ts = await Mosquitto.start();
  const probe = await Probe.connect(local.url, 'han/#');
  const watcher = connect(ts.url, { clientId: 'ts-watcher' });
  await new Promise((r) => watcher.once('connect', r));
  const inbox = new Inbox(watcher);
  await watcher.subscribeAsync('channels/#', { qos: 0 });
  const bridges = await startBridges(local.url, [
    {
      id: 'ts',
      type: 'thingspeak',
      mode: 'mqtt',
      channel: 777,
      url: ts.url,
      client_id: 'MQTTDEVICEID',
      username: 'MQTTDEVICEID',
      password: 'device-secret-789',
      interval: '400ms',
      forward: [{ from: 'han/+/kitchen-climate', fields: { field1: 'temperature', field2: 'humidity' } }],
    },
  ]);
  try {
    await probe.waitFor('han/test-pi/$bridge/ts/status', (p) => p === 'online');
    await probe.publish('han/kitchen-pi/kitchen-climate', JSON.stringify({ temperature: 21.5, humidity: 40 }));
    await inbox.until(() => inbox.on('channels/777/publish').length === 1);
    assert.deepEqual(Object.fromEntries(new URLSearchParams(inbox.on('channels/777/publish')[0])), { field1: '21.5', field2: '40' });
    for (let i = 0; i < 6; i++) {
      await probe.publish('han/kitchen-pi/kitchen-climate', JSON.stringify({ temperature: 22 + i, humidity: 41 + i }));
      await sleep(100);
    }
    await sleep(900);
    const all = inbox.messages.filter((m) => m.topic === 'channels/777/publish');
    for (let i = 1; i < all.length; i++) assert.ok(all[i].at - all[i - 1].at >= 400 - 5, `${all[i].at - all[i - 1].at} ms apart`);
    assert.equal(new URLSearchParams(all[all.length - 1].payload).get('field1'), '27');
    assert.ok(!bridges.lines.join('').includes('device-secret-789'));
  } finally {
    await bridges.stop();
    await watcher.endAsync(true);
    await probe.close();
    await ts.stop();
    await local.stop();
  }
});
