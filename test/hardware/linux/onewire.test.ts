import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LinuxOneWire } from '../../../src/hardware/linux/onewire.js';
import { fixtureRoots } from './helpers.js';

test('list returns slave ids and leaves out the bus master', async () => {
  assert.deepEqual(await new LinuxOneWire(fixtureRoots('pi3').sys).list(), ['28-0316a2795aff']);
  assert.deepEqual(await new LinuxOneWire(fixtureRoots('pi4-k6.6').sys).list(), ['28-00000a1b2c3d', '28-3c01d607e4aa']);
  // The Pi 5 tree has no w1 bus at all.
  assert.deepEqual(await new LinuxOneWire(fixtureRoots('pi5').sys).list(), []);
});

test('read returns w1_slave text, or the temperature attribute when w1_slave is missing', async () => {
  const w1 = new LinuxOneWire(fixtureRoots('pi4-k6.6').sys);
  const classic = await w1.read('28-00000a1b2c3d');
  assert.equal(classic.kind, 'w1_slave');
  assert.match(classic.text, /crc=23 YES\n.* t=19500\n$/);
  assert.deepEqual(await w1.read('28-3c01d607e4aa'), { kind: 'temperature', text: '21562\n' });
});

test('read rejects unknown devices and ids that are not slave ids', async () => {
  const w1 = new LinuxOneWire(fixtureRoots('pi3').sys);
  await assert.rejects(w1.read('28-000000000000'), /1-wire device 28-000000000000 not found/);
  await assert.rejects(w1.read('../../../proc'), /invalid 1-wire device id/);
  await assert.rejects(w1.read('w1_bus_master1'), /invalid 1-wire device id/);
});

test('read does not block the event loop: a timer set after the call fires before it resolves', async () => {
  const w1 = new LinuxOneWire(fixtureRoots('pi3').sys);
  for (const id of ['28-0316a2795aff']) {
    let turned = false;
    const pending = w1.read(id);
    setImmediate(() => (turned = true));
    assert.ok(pending instanceof Promise);
    // A synchronous read (readFileSync inside an async function) would already be done here, and
    // its promise would settle on the microtask queue before the loop reached setImmediate.
    const result = await pending;
    assert.equal(turned, true, 'the event loop did not turn while the read was pending');
    assert.equal(result.kind, 'w1_slave');
  }
  // The same holds for the temperature fallback path.
  const fallback = new LinuxOneWire(fixtureRoots('pi4-k6.6').sys);
  let turned = false;
  const pending = fallback.read('28-3c01d607e4aa');
  setImmediate(() => (turned = true));
  await pending;
  assert.equal(turned, true);
});
