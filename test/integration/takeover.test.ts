/**
 * Two Pis left with the same node id (both `raspberrypi`): the broker drops one connection each
 * time the other connects. hanode sees the takeover, says so in the log and on `$error`, and
 * backs off instead of taking the session back every 500 ms.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBroker } from '../helpers/broker-fixture.js';
import { nodeDir, recordingLogger, startNode } from '../helpers/node.js';
import { MqttLink } from '../../src/mqtt/link.js';
import { silentLogger } from '../../src/core/log.js';

const broker = useBroker();

const SCHEMES = { 'a.yaml': 'inputs:\n  - { id: pi, driver: system, interval: 1s }\n' };

test('two agents with one node id: the takeover is logged and published on $error, and each backs off', async () => {
  const N = 'raspberrypi';
  const first = recordingLogger('warn');
  const second = recordingLogger('warn');
  const a = await startNode(nodeDir({ url: broker.url, node: N, schemes: SCHEMES }), first.log);
  const since = broker.probe.mark();
  const b = await startNode(nodeDir({ url: broker.url, node: N, schemes: SCHEMES }), second.log);
  try {
    const error = await broker.probe.waitFor(`han/${N}/$error`, (p) => /took this node's connection over/.test(p), 20_000, since);
    const body = JSON.parse(error.payload);
    assert.equal(body.topic, `han/${N}/status`);
    assert.match(body.error, /share the node id 'raspberrypi'/);
    const lines = [...first.lines(), ...second.lines()].filter((l) => /another client connected as 'hanode-raspberrypi'/.test(l.msg));
    assert.ok(lines.length >= 1, 'the log says what happened');
    assert.equal(lines[0]!.level, 50);
    assert.match(lines[0]!.msg, /backing off \d+ s/);
  } finally {
    await b.stop();
    await a.stop();
  }
});

test('a link whose session is taken over waits at least 4 s before it tries again, and longer each time', async () => {
  const make = () =>
    new MqttLink({ url: broker.url, clientId: 'hanode-twin', will: { topic: 'x/status', payload: 'offline', retain: true, qos: 1 }, log: silentLogger, backoff: { min: 100, max: 400 } });
  const one = make();
  const retries: number[] = [];
  one.onTakeover(({ retryMs }) => retries.push(retryMs));
  await one.start();
  const two = make();
  await two.start();
  try {
    const deadline = Date.now() + 10_000;
    while (retries.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(one.stats.takeovers, 1);
    assert.ok(retries[0]! >= 4_000, `retry after a takeover: ${retries[0]} ms`);
    assert.equal(one.stats.retryMs, retries[0]);
    assert.equal(one.connected, false, 'it does not take the session back at once');
  } finally {
    await two.stop();
    await one.stop();
  }
});

test('start() does not wait for a broker that is not there: it resolves at the first failed attempt', async () => {
  const { freePort } = await import('../helpers/mosquitto.js');
  const link = new MqttLink({ url: `mqtt://127.0.0.1:${await freePort()}`, clientId: 'hanode-alone', will: { topic: 'x/status', payload: 'offline', retain: true, qos: 1 }, log: silentLogger });
  let timer: NodeJS.Timeout | undefined;
  const started = await Promise.race([
    link.start(undefined, 60_000).then(() => 'resolved'),
    new Promise((r) => (timer = setTimeout(() => r('still waiting'), 20_000))),
  ]);
  clearTimeout(timer);
  await link.stop();
  assert.equal(started, 'resolved');
});
