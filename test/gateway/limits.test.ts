/** Every input of the gateway has a limit, with a clear BAD or log line past it; each is tested at its bound. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import { MqttLink } from '../../src/mqtt/link.js';
import { Hub } from '../../src/gateway/hub.js';
import { Connection } from '../../src/gateway/connection.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Mosquitto } from '../helpers/mosquitto.js';
import { useBroker } from '../helpers/broker-fixture.js';
import { Probe } from '../helpers/probe.js';
import { nodeDir, recordingLogger, startNode } from '../helpers/node.js';
import type { Agent } from '../../src/agent/agent.js';
import { MAX_LINE_BYTES } from '../../src/gateway/protocol.js';
import { MAX_PAIRING_MS, Pairing } from '../../src/gateway/pairing.js';
import { device, gatewayConfig, gatewayOf, identified, tcpDevice, type TestDevice } from './device.js';

describe('gateway limits', () => {
  const broker = useBroker({ probe: ['han/$devices/#'] });
  let agent: Agent;
  const logged = recordingLogger('warn');
  const open: TestDevice[] = [];
  const dev = async (id: string) => {
    const d = await identified(agent, id);
    open.push(d);
    return d;
  };

  broker.before(async () => {
    const config = nodeDir({ url: broker.url, node: 'gw-l', schemes: {} });
    config.gateway = gatewayConfig({
      tcp: { host: '127.0.0.1', port: 0 },
      allow: ['d1', 'd2', 'd3', 'slow', 'flood'],
      limits: { devices: 3, subscriptions: 2, variables: 2, write_queue: 4096 },
    });
    agent = await startNode(config, logged.log);
  });

  broker.after(async () => {
    for (const d of open) d.close();
    await agent?.stop();
  });

  test(`a line of ${MAX_LINE_BYTES} bytes is taken; one byte more gets BAD and the connection stays`, async () => {
    const d = await dev('d1');
    const head = 'START | COMMAND=PUB | VARIABLE=long | VALUE=';
    const tail = ' | END';
    const fits = head + 'x'.repeat(MAX_LINE_BYTES - head.length - tail.length) + tail;
    assert.equal(Buffer.byteLength(fits), MAX_LINE_BYTES);
    d.stream.write(fits + '\r\n');
    assert.equal((await d.next()).command, 'OK');
    const over = head + 'x'.repeat(MAX_LINE_BYTES + 1 - head.length - tail.length) + tail;
    d.stream.write(over + '\n');
    const r = await d.next();
    assert.equal(r.command, 'BAD');
    assert.match(r.REASON!, /longer than 4096 bytes/);
    // sent in pieces, and far longer: one BAD, then the next line works
    for (let i = 0; i < 10; i++) d.stream.write('y'.repeat(1000));
    d.stream.write('\n');
    assert.equal((await d.next()).command, 'BAD');
    assert.equal((await d.ask('UNSUBALL')).command, 'OK');
    assert.ok(logged.lines().some((l) => /longer than 4096 bytes/.test(l.msg) && l.device === 'd1'), 'logged with the device ID');
  });

  test('subscriptions per device: the one past the limit gets BAD; a repeated SUB does not count', async () => {
    const d = await dev('d2');
    assert.equal((await d.ask('SUB', { VARIABLE: 's1' })).command, 'OK');
    assert.equal((await d.ask('SUB', { VARIABLE: 's2' })).command, 'OK');
    assert.equal((await d.ask('SUB', { VARIABLE: 's2' })).command, 'OK');
    const r = await d.ask('SUB', { VARIABLE: 's3' });
    assert.equal(r.command, 'BAD');
    assert.match(r.REASON!, /at most 2 subscriptions/);
    assert.equal((await d.ask('UNSUB', { VARIABLE: 's1' })).command, 'OK');
    assert.equal((await d.ask('SUB', { VARIABLE: 's3' })).command, 'OK');
  });

  test('variables per device: writing a third distinct variable gets BAD; the first two stay writable', async () => {
    const d = await dev('d3');
    assert.equal((await d.ask('PUB', { VARIABLE: 'v1', VALUE: '1' })).command, 'OK');
    assert.equal((await d.ask('DEL', { VARIABLE: 'v2' })).command, 'OK');
    const r = await d.ask('PUB', { VARIABLE: 'v3', VALUE: '1' });
    assert.equal(r.command, 'BAD');
    assert.match(r.REASON!, /at most 2 variables/);
    assert.equal((await d.ask('PUB', { VARIABLE: 'v2', VALUE: '2' })).command, 'OK');
  });

  test('devices connected: past the limit a connection gets BAD then CLOSE', async () => {
    // d1, d2 and d3 are connected
    const extra = await tcpDevice(agent);
    open.push(extra);
    const r = await extra.next();
    assert.equal(r.command, 'BAD');
    assert.match(r.REASON!, /gateway full: 3 connections/);
    assert.equal((await extra.next()).command, 'CLOSE');
    assert.ok(await extra.ended());
    assert.ok(logged.lines().some((l) => /already 3 connections/.test(l.msg)));
  });

  test('write queue: a device that stops reading is dropped with a log line and marked offline; the others carry on', async () => {
    for (const d of open.splice(0)) d.close();
    await new Promise((r) => setTimeout(r, 200));
    const socket = connect(gatewayOf(agent).port!, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const slow = device(socket);
    open.push(slow);
    assert.equal((await slow.ask('ID', { ID: 'slow' })).command, 'OK');
    assert.equal((await slow.ask('SUB', { VARIABLE: 'firehose' })).command, 'OK');
    socket.pause();
    const flood = await dev('flood');
    const since = broker.probe.mark();
    const value = 'z'.repeat(3_900);
    let answered = 0;
    // Enough to fill the kernel's buffers both ways and then the 4 KiB queue.
    for (let i = 0; i < 4_000 && !broker.probe.messages.slice(since).some((m) => m.topic === 'han/$devices/slow/status' && m.payload === 'offline'); i++) {
      flood.send('PUB', { VARIABLE: 'firehose', VALUE: value });
      if ((await flood.next()).command === 'OK') answered++;
    }
    await broker.probe.waitFor('han/$devices/slow/status', (p) => p === 'offline', 10_000, since);
    assert.ok(answered > 0);
    assert.ok(logged.lines().some((l) => /write queue full/.test(l.msg) && l.device === 'slow'));
    assert.equal((await flood.ask('PUB', { VARIABLE: 'firehose', VALUE: 'after' })).command, 'OK', 'the writer was never held up');
  });
});

test('pairing: a window up to 1 h opens, longer is refused; IDs paired in it are written to the file and read back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hanode-pair-'));
  const file = join(dir, 'gateway-paired.json');
  let now = 1_000_000;
  const pairing = new Pairing({ file, allow: ['listed'], now: () => now });
  await pairing.load();
  assert.deepEqual(await pairing.admit('listed'), { ok: true });
  assert.equal((await pairing.admit('newcomer')).ok, false);
  assert.throws(() => pairing.open(MAX_PAIRING_MS + 1), /1ms to 1h/);
  assert.throws(() => pairing.open(0), /1ms to 1h/);
  pairing.open(MAX_PAIRING_MS);
  now += MAX_PAIRING_MS - 1;
  assert.deepEqual(await pairing.admit('newcomer'), { ok: true, paired: true });
  now += 1;
  assert.equal(pairing.openUntil, undefined, 'the window closes by itself');
  assert.equal((await pairing.admit('late')).ok, false);
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')).paired.map((p: { id: string }) => p.id), ['newcomer']);
  const again = new Pairing({ file, allow: [] });
  await again.load();
  assert.deepEqual(await again.admit('newcomer'), { ok: true });
});

test('a TCP host beyond loopback is logged as a warning', async () => {
  const mosquitto = await Mosquitto.start();
  const logged = recordingLogger('warn');
  const config = nodeDir({ url: mosquitto.url, node: 'gw-wide', schemes: {} });
  config.gateway = gatewayConfig({ tcp: { host: '0.0.0.0', port: 0 } });
  const agent = await startNode(config, logged.log);
  try {
    assert.ok(logged.lines().some((l) => /listening on 0\.0\.0\.0:\d+, beyond this machine/.test(l.msg)));
  } finally {
    await agent.stop();
    await mosquitto.stop();
  }
});

test('pairing remembers at most its limit of IDs; past it a new ID is refused with the reason', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hanode-pair-max-'));
  const pairing = new Pairing({ file: join(dir, 'gateway-paired.json'), allow: [], maxPaired: 2 });
  await pairing.load();
  pairing.open(60_000);
  assert.equal((await pairing.admit('p1')).ok, true);
  assert.equal((await pairing.admit('p2')).ok, true);
  const third = await pairing.admit('p3');
  assert.deepEqual(third, { ok: false, reason: 'already 2 paired devices; no more can be paired' });
  assert.equal((await pairing.admit('p1')).ok, true, 'the paired ones still get in');
});

test('variables remembered home-wide: past the limit a log line says so, and SUB to a further one waits for its next change', async () => {
  const mosquitto = await Mosquitto.start();
  const logged = recordingLogger('warn');
  const link = new MqttLink({ clientId: 'hub-cache-test', will: { topic: 'han/hub-cache/status', payload: 'offline', retain: true, qos: 1 }, log: logged.log });
  const probe = await Probe.connect(mosquitto.url, ['han/$vars/#']);
  for (const v of ['c1', 'c2', 'c3']) await probe.publish(`han/$vars/${v}`, JSON.stringify({ value: v, ts: new Date().toISOString(), device: 'x' }), { retain: true });
  const dir = mkdtempSync(join(tmpdir(), 'hanode-hub-cache-'));
  const pairing = new Pairing({ file: join(dir, 'gateway-paired.json'), allow: ['cache-dev'] });
  await pairing.load();
  const hub = new Hub({ base: 'han', node: 'hub-cache', link, pairing, log: logged.log, limits: { devices: 10, subscriptions: 10, variables: 10, cached: 2 } });
  const server = createServer((socket) => hub.attach(new Connection({ stream: socket, peer: 'test', owner: hub, log: logged.log, keepaliveMs: 30_000, writeQueueBytes: 65_536 })));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  try {
    await link.start({ url: mosquitto.url });
    hub.start();
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(logged.lines().some((l) => /more than 2 variables in the home/.test(l.msg)));
    const socket = connect((server.address() as { port: number }).port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const d = device(socket);
    assert.equal((await d.ask('ID', { ID: 'cache-dev' })).command, 'OK');
    const cached = ['c1', 'c2', 'c3'].filter((v) => hub.value(v) !== undefined);
    assert.equal(cached.length, 2);
    const left = ['c1', 'c2', 'c3'].find((v) => hub.value(v) === undefined)!;
    assert.equal((await d.ask('SUB', { VARIABLE: left })).command, 'OK');
    // no current value for it: the next line is the answer to the next command
    assert.equal((await d.ask('UNSUBALL')).command, 'OK');
    d.close();
  } finally {
    await hub.stop();
    server.close();
    await link.stop();
    await probe.close();
    await mosquitto.stop();
  }
});
