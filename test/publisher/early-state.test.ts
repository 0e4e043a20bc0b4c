/**
 * A state goes on the wire while its commit runs (README "Nothing lost"): whoever sent `/set` does
 * not wait for the fsync, and a reading the broker acknowledges before its commit is never written.
 * Each still leaves the outbox only on its PUBACK, and is on disk when no PUBACK came by its commit.
 * Over a private Mosquitto, with the real link, outbox and delivery.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'mqtt';
import { Mosquitto } from '../helpers/mosquitto.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { MqttLink } from '../../src/mqtt/link.js';
import { Outbox } from '../../src/publisher/outbox.js';
import { Delivery } from '../../src/publisher/delivery.js';
import { silentLogger } from '../../src/core/log.js';

/** A link (to `url`, a broker or a proxy in front of it), an outbox and its delivery, and a watcher on `filter` at `brokerUrl`; all closed after the test. */
async function setup(t: TestContext, name: string, url: string, brokerUrl: string, filter: string) {
  const link = new MqttLink({ clientId: name, will: { topic: 'han/pi/status', payload: 'offline', retain: true, qos: 1 }, log: silentLogger, backoff: { min: 100, max: 200 } });
  await link.start({ url });
  const outbox = Outbox.open({ file: join(mkdtempSync(join(tmpdir(), 'hanode-early-')), 'outbox.sqlite'), log: silentLogger });
  const delivery = new Delivery({ outbox, link, log: silentLogger, drainRate: 100 });
  delivery.start();
  t.after(async () => {
    delivery.stop();
    outbox.close();
    await link.stop();
  });
  const watcher = connect(brokerUrl, { clientId: `${name}-watch` });
  await watcher.subscribeAsync(filter, { qos: 1 });
  const seen: string[] = [];
  watcher.on('message', (topic, p) => seen.push(`${topic} ${p}`));
  t.after(() => watcher.endAsync());
  return { link, outbox, delivery, seen };
}

test('a state sent with `now` and a reading are both published before their commit; each arrives once and leaves the outbox on its PUBACK', async (t) => {
  const broker = await Mosquitto.start();
  t.after(() => broker.stop());
  const { link, outbox, delivery, seen } = await setup(t, 'early-state', broker.url, broker.url, 'han/pi/+');

  // Which commit each publish happened after: observed, not replaced.
  const commitsAtPublish: Record<string, number> = {};
  const send = link.send.bind(link);
  link.send = (topic, payload, opts, done) => {
    commitsAtPublish[topic] = outbox.stats().commits;
    send(topic, payload, opts, done);
  };

  const before = outbox.stats().commits;
  await delivery.send({ topic: 'han/pi/fan', payload: Buffer.from('{"state":"ON"}'), qos: 1, retain: true, ts: Date.now() }, { now: true });
  assert.equal(commitsAtPublish['han/pi/fan'], before, 'the state went out before its commit');
  const afterState = outbox.stats().commits;
  await delivery.send({ topic: 'han/pi/temp', payload: Buffer.from('{"t":21}'), qos: 1, retain: true, ts: Date.now() });
  assert.equal(commitsAtPublish['han/pi/temp'], afterState, 'a reading goes out before its commit too');

  await delivery.settled(5_000);
  for (let i = 0; i < 100 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(seen.sort(), ['han/pi/fan {"state":"ON"}', 'han/pi/temp {"t":21}']);
  // Both acknowledged: nothing waits in the outbox once the acks are committed.
  for (let i = 0; i < 100 && outbox.stats().depth > 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(outbox.stats().depth, 0);
  assert.equal(outbox.peek(10).length, 0);
});

test('a reading sent at once whose PUBACK does not come is on disk after its commit, and delivered once the broker answers again', async (t) => {
  const broker = await Mosquitto.start();
  t.after(() => broker.stop());
  const proxy = await TcpProxy.start(broker.port);
  t.after(() => proxy.close());
  const { outbox, delivery, seen } = await setup(t, 'early-frozen', proxy.url, broker.url, 'han/pi/temp');

  proxy.freeze();
  await delivery.send({ topic: 'han/pi/temp', payload: Buffer.from('{"t":22}'), qos: 1, retain: true, ts: Date.now() });
  assert.deepEqual(outbox.peek(10).map((m) => m.payload.toString()), ['{"t":22}'], 'no PUBACK by its commit: it is on disk');
  assert.equal(seen.length, 0);
  proxy.thaw();
  for (let i = 0; i < 250 && (seen.length < 1 || outbox.stats().depth > 0); i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(seen, ['han/pi/temp {"t":22}']);
  assert.equal(outbox.stats().depth, 0, 'it left the outbox on its PUBACK');
});
