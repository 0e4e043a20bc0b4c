/**
 * The gateway over TCP against a private Mosquitto: every command in both directions, and the
 * scenarios of issue 14 (sensor → variable → SUB, PUB on MQTT, MSG to another node, pairing,
 * keep-alive). Serial is in serial.test.ts, the fuzz in fuzz.test.ts.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Mosquitto } from '../helpers/mosquitto.js';
import { useBroker } from '../helpers/broker-fixture.js';
import { Probe } from '../helpers/probe.js';
import { ask, nodeDir, startNode } from '../helpers/node.js';
import type { Agent } from '../../src/agent/agent.js';
import { describeFleet, readFleet } from '../../src/cli/fleet.js';
import { gatewayConfig, gatewayOf, identified, tcpDevice, type TestDevice } from './device.js';

const SCHEMES = {
  'home.yaml': `
inputs:
  - id: climate
    driver: ds18b20
    sensor_id: 28-00000a1b2c3d
    interval: 100ms
outputs:
  - id: lamp
    driver: gpio-out
    pin: 27
`,
};

describe('gateway over TCP, two nodes on one broker', () => {
  const broker = useBroker({ probe: ['han/#'] });
  let a: Agent;
  let b: Agent;
  let dataDir: string;
  const open: TestDevice[] = [];
  const dev = async (agent: Agent, id: string) => {
    const d = await identified(agent, id);
    open.push(d);
    return d;
  };

  broker.before(async () => {
    const ca = nodeDir({ url: broker.url, node: 'gw-a', schemes: SCHEMES });
    ca.gateway = gatewayConfig({
      tcp: { host: '127.0.0.1', port: 0 },
      allow: ['dev-a', 'dev-b', 'dev-a2'],
      expose: [{ variable: 'kitchen_temp', from: 'climate', field: 'temperature' }],
      drive: [{ variable: 'lamp_cmd', output: 'lamp' }],
    });
    const cb = nodeDir({ url: broker.url, node: 'gw-b', schemes: {} });
    dataDir = ca.data;
    cb.gateway = gatewayConfig({ tcp: { host: '127.0.0.1', port: 0 }, allow: ['dev-c'] });
    a = await startNode(ca);
    b = await startNode(cb);
  });

  broker.after(async () => {
    for (const d of open) d.close();
    await a?.stop();
    await b?.stop();
  });

  test('before an accepted ID every command gets BAD; ID answers OK and the device is online', async () => {
    const d = await tcpDevice(a);
    open.push(d);
    for (const [cmd, fields] of [['SUB', { VARIABLE: 'x' }], ['PUB', { VARIABLE: 'x', VALUE: '1' }], ['UNSUBALL', {}], ['MSG', { DEVICE: 'dev-c', VALUE: 'hi' }], ['DEL', { VARIABLE: 'x' }]] as const) {
      const r = await d.ask(cmd, fields);
      assert.equal(r.command, 'BAD', `${cmd} before ID`);
      assert.match(r.REASON!, /ID first/);
    }
    const since = broker.probe.mark();
    assert.equal((await d.ask('ID', { ID: 'dev-a2' })).command, 'OK');
    await broker.probe.waitFor('han/$devices/dev-a2/status', (p) => p === 'online', 5_000, since);
    const late = await Probe.connect(broker.url, ['han/$devices/dev-a2/status']);
    try {
      const kept = await late.waitFor('han/$devices/dev-a2/status');
      assert.deepEqual([kept.payload, kept.retain], ['online', true], 'presence is retained');
    } finally {
      await late.close();
    }
    // the same ID again is fine; another one is not
    assert.equal((await d.ask('ID', { ID: 'dev-a2' })).command, 'OK');
    assert.equal((await d.ask('ID', { ID: 'dev-b' })).command, 'BAD');
  });

  test('device A subscribes to a variable a hanode sensor feeds (expose) and receives its changes', async () => {
    await broker.probe.publish('han/gw-a/$sim/climate/set', JSON.stringify({ temperature: 21.5 }));
    await broker.probe.waitFor('han/$vars/kitchen_temp', (p) => JSON.parse(p).value === '21.5');
    const d = await dev(a, 'dev-a');
    assert.equal((await d.ask('SUB', { VARIABLE: 'kitchen_temp' })).command, 'OK');
    const first = await d.next();
    assert.deepEqual([first.command, first.VARIABLE, first.VALUE], ['SUB', 'kitchen_temp', '21.5'], 'the current value comes once on SUB');
    await broker.probe.publish('han/gw-a/$sim/climate/set', JSON.stringify({ temperature: 26.5 }));
    const change = await d.next();
    assert.deepEqual([change.command, change.VARIABLE, change.VALUE], ['SUB', 'kitchen_temp', '26.5']);
    const payload = JSON.parse((await broker.probe.waitFor('han/$vars/kitchen_temp', (p) => JSON.parse(p).value === '26.5')).payload);
    assert.equal(payload.device, 'gw-a');
    assert.ok(!Number.isNaN(Date.parse(payload.ts)));
    // UNSUB: the next line after another change is the OK of a later command, not a SUB
    assert.equal((await d.ask('UNSUB', { VARIABLE: 'kitchen_temp' })).command, 'OK');
    const since = broker.probe.mark();
    await broker.probe.publish('han/gw-a/$sim/climate/set', JSON.stringify({ temperature: 19.5 }));
    await broker.probe.waitFor('han/$vars/kitchen_temp', (p) => JSON.parse(p).value === '19.5', 5_000, since);
    assert.equal((await d.ask('UNSUBALL')).command, 'OK');
  });

  test("device B's PUB shows on MQTT as a retained variable; other devices and other nodes' devices get it; DEL clears it", async () => {
    const sub = await dev(a, 'dev-a');
    const remote = await dev(b, 'dev-c');
    assert.equal((await sub.ask('SUB', { VARIABLE: 'porch' })).command, 'OK');
    assert.equal((await remote.ask('SUB', { VARIABLE: 'porch' })).command, 'OK');
    const pub = await dev(a, 'dev-b');
    const since = broker.probe.mark();
    assert.equal((await pub.ask('PUB', { VARIABLE: 'porch', VALUE: 'a | b = c' })).command, 'OK');
    const m = await broker.probe.waitFor('han/$vars/porch', () => true, 5_000, since);
    assert.equal(m.retain, false, 'a live message');
    const payload = JSON.parse(m.payload);
    assert.equal(payload.value, 'a | b = c');
    assert.equal(payload.device, 'dev-b');
    for (const d of [sub, remote]) {
      const r = await d.next();
      assert.deepEqual([r.command, r.VARIABLE, r.VALUE], ['SUB', 'porch', 'a | b = c']);
    }
    // it is retained: a fresh subscriber on the broker gets it
    const late = await Probe.connect(broker.url, ['han/$vars/porch']);
    try {
      const kept = await late.waitFor('han/$vars/porch');
      assert.equal(kept.retain, true);
      assert.equal(JSON.parse(kept.payload).value, 'a | b = c');
    } finally {
      await late.close();
    }
    // a value published by anyone on MQTT reaches SUB too, plain text included
    await broker.probe.publish('han/$vars/porch', 'plain', { retain: true });
    for (const d of [sub, remote]) assert.equal((await d.next()).VALUE, 'plain');
    const before = broker.probe.mark();
    assert.equal((await pub.ask('DEL', { VARIABLE: 'porch' })).command, 'OK');
    const cleared = await broker.probe.waitFor('han/$vars/porch', () => true, 5_000, before);
    assert.equal(cleared.payload, '');
    assert.equal((await sub.next()).VALUE, '', 'a cleared variable reaches SUB as an empty value');
  });

  test('a burst of PUBs to one variable: local subscribers get every value in order, and the broker ends with the last', async () => {
    const sub = await dev(a, 'dev-a');
    assert.equal((await sub.ask('SUB', { VARIABLE: 'burst' })).command, 'OK');
    const pub = await dev(a, 'dev-b');
    const since = broker.probe.mark();
    let lines = '';
    for (let i = 0; i < 500; i++) lines += `START | COMMAND=PUB | VARIABLE=burst | VALUE=v${i} | END\n`;
    pub.stream.write(lines);
    for (let i = 0; i < 500; i++) assert.equal((await pub.next()).command, 'OK');
    for (let i = 0; i < 500; i++) assert.equal((await sub.next()).VALUE, `v${i}`);
    await broker.probe.waitFor('han/$vars/burst', (p) => JSON.parse(p).value === 'v499', 5_000, since);
    const late = await Probe.connect(broker.url, ['han/$vars/burst']);
    try {
      assert.equal(JSON.parse((await late.waitFor('han/$vars/burst')).payload).value, 'v499');
    } finally {
      await late.close();
    }
  });

  test('a variable drives an output exactly as /set would', async () => {
    const d = await dev(a, 'dev-b');
    const since = broker.probe.mark();
    assert.equal((await d.ask('PUB', { VARIABLE: 'lamp_cmd', VALUE: 'ON' })).command, 'OK');
    await broker.probe.waitForState('han/gw-a/lamp', (s) => s.state === 'ON', 5_000, since);
    // from another node's device, through the broker
    const c = await dev(b, 'dev-c');
    assert.equal((await c.ask('PUB', { VARIABLE: 'lamp_cmd', VALUE: '{"state":"OFF"}' })).command, 'OK');
    await broker.probe.waitForState('han/gw-a/lamp', (s) => s.state === 'OFF', 5_000, since);
    // a value the output cannot take is reported on $error, naming the variable's topic
    assert.equal((await d.ask('PUB', { VARIABLE: 'lamp_cmd', VALUE: '{"state":"MAYBE"}' })).command, 'OK');
    const err = await broker.probe.waitFor('han/gw-a/$error', (p) => JSON.parse(p).topic === 'han/$vars/lamp_cmd', 5_000, since);
    assert.match(JSON.parse(err.payload).error, /lamp/);
  });

  test('MSG reaches a device on a second hanode node, both ways; MSG to an ID offline everywhere gets BAD', async () => {
    const da = await dev(a, 'dev-a');
    const dc = await dev(b, 'dev-c');
    await broker.probe.waitFor('han/$devices/dev-c/status', (p) => p === 'online');
    assert.equal((await da.ask('MSG', { DEVICE: 'dev-c', VALUE: 'hello | there' })).command, 'OK');
    const got = await dc.next();
    assert.deepEqual([got.command, got.DEVICE, got.VALUE], ['MSG', 'dev-a', 'hello | there']);
    assert.equal((await dc.ask('MSG', { DEVICE: 'dev-a', VALUE: 'back' })).command, 'OK');
    const back = await da.next();
    assert.deepEqual([back.command, back.DEVICE, back.VALUE], ['MSG', 'dev-c', 'back']);
    // on the same gateway
    const db = await dev(a, 'dev-b');
    assert.equal((await db.ask('MSG', { DEVICE: 'dev-a', VALUE: 'near' })).command, 'OK');
    assert.deepEqual(Object.values(await da.next()).slice(1, 4), ['MSG', 'MSG', 'dev-b']);
    const none = await da.ask('MSG', { DEVICE: 'nobody', VALUE: 'x' });
    assert.equal(none.command, 'BAD');
    assert.match(none.REASON!, /nobody is offline/);
    // once dev-c leaves, it is offline everywhere
    const since = broker.probe.mark();
    dc.send('CLOSE');
    await broker.probe.waitFor('han/$devices/dev-c/status', (p) => p === 'offline', 5_000, since);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await da.ask('MSG', { DEVICE: 'dev-c', VALUE: 'x' })).command, 'BAD');
  });

  test('devices of a node that died (its will says offline) count as offline for MSG', async () => {
    const da = await dev(a, 'dev-a');
    // What another node's gateway leaves on the broker: its $info listing a device, the device online.
    await broker.probe.publish('han/gone-node/$info', JSON.stringify({ node: 'gone-node', gateway: { devices: ['ghost'] } }), { retain: true });
    await broker.probe.publish('han/$devices/ghost/status', 'online', { retain: true });
    await broker.probe.publish('han/gone-node/status', 'online', { retain: true });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await da.ask('MSG', { DEVICE: 'ghost', VALUE: 'x' })).command, 'OK');
    await broker.probe.publish('han/gone-node/status', 'offline', { retain: true });
    await new Promise((r) => setTimeout(r, 200));
    const r = await da.ask('MSG', { DEVICE: 'ghost', VALUE: 'x' });
    assert.equal(r.command, 'BAD');
    assert.match(r.REASON!, /ghost is offline/);
    // it comes back when it connects anywhere again
    await broker.probe.publish('han/$devices/ghost/status', 'online', { retain: true });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await da.ask('MSG', { DEVICE: 'ghost', VALUE: 'x' })).command, 'OK');
    for (const t of ['han/gone-node/$info', 'han/gone-node/status', 'han/$devices/ghost/status']) await broker.probe.publish(t, '', { retain: true });
  });

  test('a newer connection with the same ID wins; the older gets CLOSE and the device stays online', async () => {
    const first = await dev(a, 'dev-b');
    const since = broker.probe.mark();
    const second = await dev(a, 'dev-b');
    assert.equal((await first.next()).command, 'CLOSE');
    assert.ok(await first.ended());
    assert.equal((await second.ask('PUB', { VARIABLE: 'still', VALUE: 'here' })).command, 'OK');
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(!broker.probe.messages.slice(since).some((m) => m.topic === 'han/$devices/dev-b/status' && m.payload === 'offline'));
  });

  test('an unpaired ID is refused (BAD, CLOSE); a pairing window lets it in and it is remembered', async () => {
    const stranger = await tcpDevice(a);
    open.push(stranger);
    const refused = await stranger.ask('ID', { ID: 'new-sensor' });
    assert.equal(refused.command, 'BAD');
    assert.match(refused.REASON!, /not allowed/);
    assert.equal((await stranger.next()).command, 'CLOSE');
    assert.ok(await stranger.ended());

    const reply = await ask(broker.probe, 'gw-a', 'pair', { for: '1s' });
    assert.equal(reply.status, 'ok', reply.error);
    assert.ok(Date.parse(reply.data.until) > Date.now());
    const paired = await dev(a, 'new-sensor');
    assert.equal((await paired.ask('PUB', { VARIABLE: 'paired_ok', VALUE: '1' })).command, 'OK');
    const file = JSON.parse(readFileSync(join(dataDir, 'gateway-paired.json'), 'utf8'));
    assert.deepEqual(file.paired.map((p: { id: string }) => p.id), ['new-sensor']);
    // after the window, a new ID is refused again, the paired one is still let in
    await new Promise((r) => setTimeout(r, 1_100));
    const late = await tcpDevice(a);
    open.push(late);
    assert.equal((await late.ask('ID', { ID: 'other-sensor' })).command, 'BAD');
    paired.close();
    await dev(a, 'new-sensor');
    // a window past the limit is refused
    const tooLong = await ask(broker.probe, 'gw-a', 'pair', { for: '2h' });
    assert.equal(tooLong.status, 'error');
    assert.match(tooLong.error!, /1h/);
  });

  test('health and $info list the connected devices', async () => {
    await dev(a, 'dev-a');
    const health = await ask(broker.probe, 'gw-a', 'health');
    assert.ok(health.data.gateway.devices.some((d: { id: string }) => d.id === 'dev-a'));
    assert.equal(health.data.gateway.tcp.port, gatewayOf(a).port);
    const info = await broker.probe.waitForState('han/gw-a/$info', (i) => i.gateway?.devices?.includes('dev-a'), 5_000);
    assert.ok(Array.isArray(info.gateway.devices));
  });

  test('hanode fleet shows the devices on each node\'s gateway', async () => {
    await dev(b, 'dev-c');
    await broker.probe.waitForState('han/gw-b/$info', (i) => i.gateway?.devices?.includes('dev-c'), 5_000);
    const nodes = await readFleet({ url: broker.url, base: 'han', waitMs: 300 });
    const gwB = nodes.find((n) => n.node === 'gw-b')!;
    assert.ok(gwB.devices?.includes('dev-c'));
    const table = describeFleet(nodes, broker.url).split('\n');
    assert.match(table[0]!, /OUTPUTS\s+DEVICES\s+STARTED/);
    assert.match(table.find((l) => l.startsWith('gw-b'))!, /\s1\s/);
  });
});

describe('gateway keep-alive', () => {
  let mosquitto: Mosquitto;
  let probe: Probe;
  let agent: Agent;

  before(async () => {
    mosquitto = await Mosquitto.start();
    probe = await Probe.connect(mosquitto.url, ['han/#']);
    const config = nodeDir({ url: mosquitto.url, node: 'gw-k', schemes: {} });
    config.gateway = gatewayConfig({ tcp: { host: '127.0.0.1', port: 0 }, allow: ['quiet', 'chatty'], keepalive: '300ms' });
    agent = await startNode(config);
  });

  after(async () => {
    await agent?.stop();
    await probe?.close();
    await mosquitto?.stop();
  });

  test('a silent device gets HELLO? twice, then CLOSE, and is marked offline; one that answers stays', async () => {
    const quiet = await identified(agent, 'quiet');
    const chatty = await identified(agent, 'chatty');
    await probe.waitFor('han/$devices/quiet/status', (p) => p === 'online');
    const answered: Promise<void> = (async () => {
      for (let i = 0; i < 4; i++) {
        const r = await chatty.next(5_000);
        assert.equal(r.command, 'HELLO?');
        chatty.send('HELLO!');
      }
    })();
    assert.equal((await quiet.next()).command, 'HELLO?');
    assert.equal((await quiet.next()).command, 'HELLO?');
    assert.equal((await quiet.next()).command, 'CLOSE');
    assert.ok(await quiet.ended());
    await probe.waitFor('han/$devices/quiet/status', (p) => p === 'offline');
    await answered;
    assert.ok(gatewayOf(agent).status().devices.some((d) => d.id === 'chatty'), 'the device that answered is still connected');
    assert.ok(!gatewayOf(agent).status().devices.some((d) => d.id === 'quiet'));
    chatty.close();
  });

  test('with the broker away: a MSG to another node\'s device gets BAD (not queued), a PUB still gets OK and reaches the broker once back', async () => {
    await probe.publish('han/$devices/far-away/status', 'online', { retain: true });
    const d = await identified(agent, 'chatty');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await d.askAlive('MSG', { DEVICE: 'far-away', VALUE: 'x' })).command, 'OK');
    await probe.close();
    await mosquitto.stop();
    await new Promise((r) => setTimeout(r, 300));
    const r = await d.askAlive('MSG', { DEVICE: 'far-away', VALUE: 'x' });
    assert.equal(r.command, 'BAD');
    assert.match(r.REASON!, /broker is unreachable/);
    for (const v of ['1', '2', '3']) assert.equal((await d.askAlive('PUB', { VARIABLE: 'while_away', VALUE: v })).command, 'OK');
    await mosquitto.start();
    probe = await Probe.connect(mosquitto.url, ['han/$vars/while_away']);
    const kept = await probe.waitFor('han/$vars/while_away', (p) => JSON.parse(p).value === '3', 10_000);
    assert.equal(JSON.parse(kept.payload).device, 'chatty');
    d.close();
  });
});

describe('gateway pairing button', () => {
  const broker = useBroker({ probe: ['han/#'] });
  let agent: Agent;

  broker.before(async () => {
    const config = nodeDir({
      url: broker.url,
      node: 'gw-p',
      schemes: { 'button.yaml': 'inputs:\n  - id: pair-button\n    driver: button\n    pin: 17\n    long_press: 100ms\n    double_press: 0\n' },
    });
    config.gateway = gatewayConfig({ tcp: { host: '127.0.0.1', port: 0 }, pair_button: { from: 'pair-button', event: 'long_press', for: '1s' } });
    agent = await startNode(config);
  });

  broker.after(() => agent?.stop());

  test('a long press on the button opens a pairing window, which lets an unknown ID in', async () => {
    const before = await tcpDevice(agent);
    assert.equal((await before.ask('ID', { ID: 'button-dev' })).command, 'BAD');
    before.close();
    // a short press does not open it
    await broker.probe.publish('han/gw-p/$sim/pair-button/set', '{"level":0}');
    await broker.probe.publish('han/gw-p/$sim/pair-button/set', '{"level":1}');
    await broker.probe.waitFor('han/gw-p/pair-button/event', (p) => JSON.parse(p).event === 'press');
    assert.equal(gatewayOf(agent).status().pairing_until, undefined);
    await broker.probe.publish('han/gw-p/$sim/pair-button/set', '{"level":0}');
    await broker.probe.waitFor('han/gw-p/pair-button/event', (p) => JSON.parse(p).event === 'long_press');
    await broker.probe.publish('han/gw-p/$sim/pair-button/set', '{"level":1}');
    assert.ok(gatewayOf(agent).status().pairing_until);
    const d = await identified(agent, 'button-dev');
    d.close();
  });
});
