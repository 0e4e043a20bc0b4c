/**
 * adafruit-io against a local Mosquitto standing in for io.adafruit.com, on a fake clock: the
 * account's rate limit (30 per minute: one every 2 s) and the `<user>/throttle` topic.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type MqttClient } from 'mqtt';
import { throttleWait } from '../../src/bridge/adafruit-io.js';
import { FakeClock } from '../rules/fakes.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { useBroker } from '../helpers/broker-fixture.js';
import { Inbox, sleep, startBridges, type Running } from './fixtures.js';

const KEY = 'aio_NeverInTheLogs0123456789';

test('throttle messages: the wait they name, else a minute', () => {
  assert.equal(throttleWait('alice data rate limit reached, 23 seconds until throttle released'), 23_000);
  assert.equal(throttleWait('alice data rate limit reached, 1 second until throttle released'), 1_000);
  assert.equal(throttleWait('slow down'), 60_000);
});

describe('adafruit-io bridge', () => {
  const local = useBroker({ probe: 'han/#' });
  let io: Mosquitto;
  let remote: MqttClient;
  let inbox: Inbox;
  let clock: FakeClock;
  let bridges: Running;
  const feed = 'alice/feeds/kitchen-climate-temp';
  let n = 0;
  const reading = () => local.probe.publish('han/kitchen-pi/kitchen-climate', JSON.stringify({ temperature: 20 + n++, ts: new Date().toISOString() }));
  /** Lets real network traffic happen after a fake-clock step. */
  const arrived = async (count: number, topic = feed) => {
    await inbox.until(() => inbox.on(topic).length >= count, 3_000, `${count} message(s) on ${topic}`);
    await sleep(150);
    return inbox.on(topic).length;
  };

  local.before(async () => {
    io = await Mosquitto.start();
    remote = connect(io.url, { clientId: 'io-watcher' });
    await new Promise((r) => remote.once('connect', r));
    inbox = new Inbox(remote);
    await remote.subscribeAsync('alice/#', { qos: 1 });
    clock = new FakeClock(Date.UTC(2025, 0, 1));
    bridges = await startBridges(
      local.url,
      [
        {
          id: 'aio',
          type: 'adafruit-io',
          user: 'alice',
          key: KEY,
          url: io.url,
          forward: [{ from: 'han/+/kitchen-climate', feed: '{id}-temp', payload: '{{temperature}}' }],
          receive: [{ feed: 'fan', to: 'han/kitchen-pi/kitchen-fan/set' }],
          notify_feed: 'alerts',
        },
      ],
      { clock },
    );
    await local.probe.waitFor('han/test-pi/$bridge/aio/status', (p) => p === 'online');
  });

  local.after(async () => {
    await bridges?.stop();
    await remote?.endAsync(true);
    await io?.stop();
  });

  test('feeds on <user>/feeds/<key>, at most one every 2 s (30 per minute)', async () => {
    await reading();
    await reading();
    await reading();
    assert.equal(await arrived(1), 1, 'the first goes at once');
    await clock.advance(1_999);
    assert.equal(await arrived(1), 1, 'the second waits its 2 s');
    await clock.advance(1);
    assert.equal(await arrived(2), 2);
    await clock.advance(2_000);
    assert.equal(await arrived(3), 3);
    assert.deepEqual(inbox.on(feed), ['20', '21', '22']);
    assert.equal(bridges.service.status()[0].backlog, 0);
  });

  test('the throttle topic holds everything back for the time it names', async () => {
    await clock.advance(2_000);
    await remote.publishAsync('alice/throttle', 'alice data rate limit reached, 10 seconds until throttle released', { qos: 1 });
    await sleep(200);
    await reading();
    await reading();
    await sleep(200);
    assert.equal(await arrived(3), 3, 'nothing during the throttle');
    await clock.advance(9_999);
    assert.equal(await arrived(3), 3, 'nothing until the throttle is released');
    assert.equal(bridges.service.status()[0].backlog, 2, 'kept in the backlog meanwhile');
    await clock.advance(1);
    assert.equal(await arrived(4), 4);
    await clock.advance(2_000);
    assert.equal(await arrived(5), 5);
    assert.match(bridges.service.status()[0].lastError ?? '', /throttle/);
  });

  test('a wall clock set back an hour (NTP, a manual change) does not stall the pacer or the throttle pause', async () => {
    await clock.advance(2_000);
    clock.stepWall(-3_600_000);
    await reading();
    assert.equal(await arrived(6), 6, 'the next goes at once');
    await reading();
    await clock.advance(2_000);
    assert.equal(await arrived(7), 7, 'and the one after it 2 s later, not an hour');
  });

  test('receive: a feed comes back as a local command', async () => {
    const since = local.probe.mark();
    await remote.publishAsync('alice/feeds/fan', 'ON', { qos: 1 });
    const m = await local.probe.waitFor('han/kitchen-pi/kitchen-fan/set', () => true, 3_000, since);
    assert.equal(m.payload, 'ON');
  });

  test('notify goes to notify_feed, paced like the rest', async () => {
    await clock.advance(2_000);
    await bridges.service.notify('aio', { value: 'too hot' });
    await inbox.until(() => inbox.on('alice/feeds/alerts').length > 0, 3_000);
    assert.deepEqual(inbox.on('alice/feeds/alerts'), ['too hot']);
    await assert.rejects(bridges.service.notify('nope', {}), /no bridge 'nope'.*bridges: aio/);
  });

  test('the key never reaches the log', () => {
    assert.ok(!bridges.lines.join('').includes(KEY));
  });
});
