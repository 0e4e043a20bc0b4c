/** Every `$request` operation (README "Topics") over MQTT, each with a transaction id, plus an unknown one. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBroker } from '../helpers/broker-fixture.js';
import { startAgent } from '../helpers/agent.js';
import type { Agent } from '../../src/agent/agent.js';

const N = 'req-pi';
const T = (s: string) => `han/${N}/${s}`;
const broker = useBroker({ probe: ['han/#'] });
let agent: Agent;
let tx = 0;

async function request(op: string, args: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const transaction = `t${++tx}`;
  const since = broker.probe.mark();
  await broker.probe.publish(T(`$request/${op}`), JSON.stringify({ ...args, transaction }));
  const reply = await broker.probe.waitFor(T(`$response/${op}`), (p) => JSON.parse(p).transaction === transaction, 5_000, since);
  return JSON.parse(reply.payload);
}

broker.before(async () => {
  ({ agent } = await startAgent({
    url: broker.url,
    node: N,
    schemes: {
      'a.yaml': [
        'inputs:',
        '  - { id: climate, driver: bme280, interval: 5s }',
        '  - id: attic',
        '    driver: bme280',
        '    address: 0x77',
        '    interval: 1h',
        '    filters:',
        '      - { offset: 100, field: temperature }',
        '      - { round: 0, field: temperature }',
        '      - { throttle: 1h }',
        'outputs:',
        '  - { id: fan, driver: gpio-out, pin: 27 }',
        'rules:',
        '  - { id: tick, every: 1h, then: [ { publish: { topic: han/x, payload: y } } ] }',
      ].join('\n'),
    },
  }));
  await broker.probe.waitFor(T('status'), (p) => p === 'online');
});

broker.after(() => agent.stop());

test('read publishes a fresh reading and returns it', async () => {
  const since = broker.probe.mark();
  const r = await request('read', { id: 'climate' });
  assert.equal(r.status, 'ok');
  assert.equal(typeof r.data.state.temperature, 'number');
  await broker.probe.waitForState(T('climate'), () => true, 3_000, since);
});

test("read runs the scheme's filters: converted as every reading is, let through the throttle", async () => {
  await broker.probe.waitForState(T('attic'), (s) => s.temperature > 100);
  const since = broker.probe.mark();
  const r = await request('read', { id: 'attic' });
  assert.equal(r.status, 'ok');
  assert.ok(Number.isInteger(r.data.state.temperature) && r.data.state.temperature > 100, JSON.stringify(r.data.state));
  const published = await broker.probe.waitForState(T('attic'), () => true, 3_000, since);
  assert.equal(published.temperature, r.data.state.temperature);
});

test('schemes lists the running schemes', async () => {
  const r = await request('schemes');
  assert.equal(r.status, 'ok');
  assert.deepEqual(r.data.schemes.map((s: { id: string }) => s.id).sort(), ['attic', 'climate', 'fan']);
});

test('health reports connection, schemes and outbox', async () => {
  const r = await request('health');
  assert.equal(r.status, 'ok');
  assert.equal(r.data.connection.connected, true);
  assert.equal(r.data.schemes.total, 3);
  assert.equal(typeof r.data.outbox.backlog, 'number');
  assert.equal(typeof r.data.outbox.dropped, 'number');
});

test('scan returns the hardware and refreshes $info', async () => {
  const since = broker.probe.mark();
  const r = await request('scan');
  assert.equal(r.status, 'ok');
  assert.equal(r.data.hardware, 'sim');
  assert.ok(r.data.i2c.some((b: { addresses: { hex: string }[] }) => b.addresses.some((a) => a.hex === '0x76')));
  await broker.probe.waitFor(T('$info'), () => true, 3_000, since);
});

test('disable and enable a scheme; availability follows', async () => {
  let since = broker.probe.mark();
  const off = await request('disable', { id: 'climate' });
  assert.deepEqual(off.data, { id: 'climate', kind: 'scheme', enabled: false });
  await broker.probe.waitFor(T('climate/availability'), (p) => p === 'offline', 3_000, since);
  since = broker.probe.mark();
  const on = await request('enable', { id: 'climate' });
  assert.equal(on.status, 'ok');
  await broker.probe.waitFor(T('climate/availability'), (p) => p === 'online', 3_000, since);
});

test('disable and enable a rule', async () => {
  const r = await request('disable', { id: 'tick' });
  assert.deepEqual(r.data, { id: 'tick', kind: 'rule', enabled: false });
  const rules = await request('rules');
  assert.equal(rules.data.rules.find((x: { id: string }) => x.id === 'tick').enabled, false);
  assert.equal((await request('enable', { id: 'tick' })).status, 'ok');
});

test('interval changes the poll period', async () => {
  const r = await request('interval', { id: 'climate', interval: '250ms' });
  assert.deepEqual(r.data, { id: 'climate', interval: 250 });
  const since = broker.probe.mark();
  await broker.probe.waitForState(T('climate'), () => true, 2_000, since);
  const next = broker.probe.mark();
  await broker.probe.waitForState(T('climate'), () => true, 2_000, next);
  const bad = await request('interval', { id: 'fan', interval: '1s' });
  assert.equal(bad.status, 'error');
  assert.match(bad.error, /not a polled input/);
});

test('reload re-reads the schemes directory', async () => {
  const r = await request('reload');
  assert.equal(r.status, 'ok');
  assert.deepEqual(r.data.started, []);
  assert.deepEqual(r.data.invalid, []);
});

test('an unknown operation and a bad payload get an error reply and $error', async () => {
  const since = broker.probe.mark();
  const r = await request('frobnicate');
  assert.equal(r.status, 'error');
  assert.equal(r.transaction, `t${tx}`);
  assert.match(r.error, /unknown operation 'frobnicate'; expected one of .*read/);
  await broker.probe.waitFor(T('$error'), (p) => JSON.parse(p).topic === T('$request/frobnicate'), 3_000, since);
  const missing = await request('read', {});
  assert.equal(missing.status, 'error');
  assert.match(missing.error, /expected \{"id"/);
});
