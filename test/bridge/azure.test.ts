/**
 * azure-iot-hub: the SAS token against a vector computed here from the documented algorithm, and
 * the whole preset against a real broker (aedes, in process, so the test sees every CONNECT's
 * client id, user name and password) with a fake clock driving the token's renewal.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import { sasToken, azureUsername } from '../../src/bridge/sas.js';
import { FakeClock } from '../rules/fakes.js';
import { useBroker } from '../helpers/broker-fixture.js';
import { startBridges, sleep, type Running } from './fixtures.js';

const HOST = 'hanode-test.azure-devices.net';
const DEVICE = 'kitchen-pi';
const KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => i)).toString('base64');

/** The documented steps, written out again: encode the URI, sign "uri\nexpiry", encode the base64. */
function expectedToken(expiry: number): string {
  const sr = encodeURIComponent(`${HOST}/devices/${DEVICE}`);
  const hmac = createHmac('sha256', Buffer.from(KEY, 'base64'));
  hmac.update(sr + '\n' + String(expiry));
  return 'SharedAccessSignature sr=' + sr + '&sig=' + encodeURIComponent(hmac.digest('base64')) + '&se=' + expiry;
}

describe('Azure SAS token', () => {
  test('matches the documented algorithm, computed independently', () => {
    for (const expiry of [1735693200, 1735696800, 2000000000]) {
      assert.equal(sasToken({ hostName: HOST, deviceId: DEVICE, key: KEY, expiry }), expectedToken(expiry));
    }
  });

  test('matches a fixed vector (signature from the openssl CLI)', () => {
    // printf 'hanode-test.azure-devices.net%2Fdevices%2Fkitchen-pi\n1735693200' |
    //   openssl dgst -sha256 -mac HMAC -macopt hexkey:000102…1f -binary | base64
    assert.equal(
      sasToken({ hostName: HOST, deviceId: DEVICE, key: KEY, expiry: 1735693200 }),
      'SharedAccessSignature sr=hanode-test.azure-devices.net%2Fdevices%2Fkitchen-pi&sig=HOwMbMMvPCrml%2FdEa8BEktVa3jFSbBBthfYpXIvDV4g%3D&se=1735693200',
    );
  });

  test('the user name IoT Hub expects', () => {
    assert.equal(azureUsername(HOST, DEVICE), `${HOST}/${DEVICE}/?api-version=2021-04-12`);
  });
});

interface Connect {
  clientId: string;
  username?: string;
  password?: string;
}

/** An aedes broker on a free port that records each CONNECT and each publish. */
async function recordingBroker(): Promise<{ url: string; connects: Connect[]; published: { topic: string; payload: string }[]; broker: Aedes; close(): Promise<void> }> {
  const connects: Connect[] = [];
  const published: { topic: string; payload: string }[] = [];
  const broker = await Aedes.createBroker({
    authenticate: (client, username, password, done) => {
      connects.push({ clientId: client.id, username, password: password?.toString() });
      done(null, true);
    },
    published: (packet, client, done) => {
      if (client && !packet.topic.startsWith('$SYS')) published.push({ topic: packet.topic, payload: packet.payload.toString() });
      done();
    },
  });
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    broker.handle(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    connects,
    published,
    broker,
    async close() {
      await new Promise<void>((r) => broker.close(() => r()));
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('azure-iot-hub bridge', () => {
  const T0 = Date.UTC(2025, 0, 1, 8, 0, 0);
  const TTL_S = 3600;
  const local = useBroker({ probe: 'han/#' });
  let hub: Awaited<ReturnType<typeof recordingBroker>>;
  let clock: FakeClock;
  let bridges: Running;

  local.before(async () => {
    hub = await recordingBroker();
    clock = new FakeClock(T0);
    bridges = await startBridges(
      local.url,
      [
        {
          id: 'azure',
          type: 'azure-iot-hub',
          connection_string: `HostName=${HOST};DeviceId=${DEVICE};SharedAccessKey=${KEY}`,
          url: hub.url,
          token_ttl: '1h',
          forward: [{ from: 'han/+/kitchen-climate' }],
          receive: [{ to: 'han/kitchen-pi/kitchen-fan/set' }],
        },
      ],
      { clock },
    );
    await local.probe.waitFor('han/test-pi/$bridge/azure/status', (p) => p === 'online');
  });

  local.after(async () => {
    await bridges?.stop();
    await hub?.close();
  });

  test('connects as the device, with the required user name and a fresh SAS token', () => {
    assert.equal(hub.connects.length, 1);
    const [c] = hub.connects;
    assert.equal(c.clientId, DEVICE);
    assert.equal(c.username, `${HOST}/${DEVICE}/?api-version=2021-04-12`);
    assert.equal(c.password, expectedToken(T0 / 1000 + TTL_S));
  });

  test('device-to-cloud on devices/{id}/messages/events/, JSON marked as such', async () => {
    const state = JSON.stringify({ temperature: 21.5, ts: new Date(T0).toISOString() });
    await local.probe.publish('han/kitchen-pi/kitchen-climate', state);
    const deadline = Date.now() + 5_000;
    while (!hub.published.some((m) => m.payload === state) && Date.now() < deadline) await sleep(20);
    const m = hub.published.find((p) => p.payload === state);
    assert.ok(m, 'not forwarded');
    assert.equal(m.topic, `devices/${DEVICE}/messages/events/$.ct=application%2Fjson&$.ce=utf-8`);
  });

  test('cloud-to-device from devices/{id}/messages/devicebound/# reaches the local broker', async () => {
    const since = local.probe.mark();
    await new Promise<void>((resolve, reject) =>
      hub.broker.publish(
        { cmd: 'publish', topic: `devices/${DEVICE}/messages/devicebound/%24.to=%2Fdevices%2F${DEVICE}%2Fmessages%2FdeviceBound`, payload: Buffer.from('ON'), qos: 1, retain: false, dup: false },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
    const m = await local.probe.waitFor('han/kitchen-pi/kitchen-fan/set', () => true, 5_000, since);
    assert.equal(m.payload, 'ON');
  });

  test('the token is renewed at 80% of its life: not before, and with a new expiry', async () => {
    await clock.advance(TTL_S * 0.8 * 1000 - 1_000);
    await sleep(300);
    assert.equal(hub.connects.length, 1, 'renewed too early');
    await clock.advance(1_000);
    const deadline = Date.now() + 5_000;
    while (hub.connects.length < 2 && Date.now() < deadline) await sleep(20);
    assert.equal(hub.connects.length, 2, 'not renewed');
    const renewedAt = T0 + TTL_S * 0.8 * 1000;
    assert.equal(hub.connects[1].password, expectedToken(renewedAt / 1000 + TTL_S));
    assert.equal(hub.connects[1].clientId, DEVICE);
  });

  test('after the renewal messages still flow, and the next renewal is due 80% later', async () => {
    await local.probe.waitFor('han/test-pi/$bridge/azure/status', (p) => p === 'online');
    const state = JSON.stringify({ temperature: 23, ts: new Date().toISOString() });
    await local.probe.publish('han/kitchen-pi/kitchen-climate', state);
    const deadline = Date.now() + 5_000;
    while (!hub.published.some((m) => m.payload === state) && Date.now() < deadline) await sleep(20);
    assert.ok(hub.published.some((m) => m.payload === state));
    await clock.advance(TTL_S * 0.8 * 1000);
    const again = Date.now() + 5_000;
    while (hub.connects.length < 3 && Date.now() < again) await sleep(20);
    assert.equal(hub.connects.length, 3);
    assert.equal(bridges.service.status()[0].online, true);
    // A renewal is not an outage: once online, the status never said offline.
    const statuses = local.probe.on('han/test-pi/$bridge/azure/status').map((m) => m.payload);
    assert.deepEqual(statuses.slice(statuses.indexOf('online')), ['online']);
  });

  test('the key and the token never reach the log', () => {
    const text = bridges.lines.join('');
    assert.ok(!text.includes(KEY));
    for (const c of hub.connects) assert.ok(!text.includes(c.password!.split('sig=')[1].split('&')[0]));
  });
});
