/** A scheme's availability and retries: online only once the device proves itself, offline once, backoff growing until a success. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { EventBus } from '../../src/core/bus.js';
import type { InputDriverDef, Reading } from '../../src/core/driver.js';
import { silentLogger } from '../../src/core/log.js';
import { InputScheme } from '../../src/runtime/input-scheme.js';
import { Backoff } from '../../src/runtime/backoff.js';
import { fakeHardware } from '../drivers-in/context.js';

const until = async (cond: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 5));
  }
};

/** A polled input whose start never touches the device (as `system`, `http-json` and `command`), and whose reads do what `behave` says. */
function polledDef(behave: { read(): Promise<Reading> }): InputDriverDef {
  return {
    name: 'fake',
    description: 'fake',
    bus: 'system',
    direction: 'input',
    polled: true,
    schema: z.object({}),
    fields: [],
    example: {},
    create: () => ({ start: async () => {}, read: () => behave.read(), stop: async () => {} }),
  };
}

function scheme(def: InputDriverDef, bus: EventBus, interval = 20) {
  return new InputScheme({
    id: 'probe',
    driver: 'fake',
    bus,
    log: silentLogger,
    retry: { min: 10, max: 40 },
    def,
    options: { id: 'probe', driver: 'fake', retain: true, qos: 1, interval },
    hardware: fakeHardware({}),
    persist: { get: () => undefined, set: async () => {} },
    states: { get: () => undefined, watch: () => () => {} },
  });
}

test('a polled input that starts fine but never reads: offline once, never online, however many retries', async () => {
  const bus = new EventBus(silentLogger);
  const availability: boolean[] = [];
  bus.on('availability', {}, (e) => void availability.push(e.online));
  let reads = 0;
  const s = scheme(polledDef({ read: async () => (reads++, Promise.reject(new Error('503 Service Unavailable'))) }), bus);
  await s.start();
  await until(() => reads >= 6);
  await s.stop();
  assert.deepEqual(availability, [false], `availability went ${availability.join(', ')}`);
  assert.ok(s.status(true, 'input').failures >= 6);
});

test('online comes with the first good reading, and a later failure takes it offline once', async () => {
  const bus = new EventBus(silentLogger);
  const events: string[] = [];
  bus.on('availability', {}, (e) => void events.push(e.online ? 'online' : 'offline'));
  bus.on('state', {}, () => void events.push('state'));
  let good = 2;
  let reads = 0;
  const s = scheme(polledDef({ read: async () => (reads++, good-- > 0 ? { value: 1 } : Promise.reject(new Error('gone'))) }), bus);
  await s.start();
  await until(() => reads >= 6);
  await s.stop();
  assert.deepEqual(events.slice(0, 4), ['online', 'state', 'state', 'offline']);
  assert.equal(events.filter((e) => e === 'online').length, 1, events.join(' '));
  assert.equal(events.filter((e) => e === 'offline').length, 1, events.join(' '));
});

test('$request/read while a read is in flight shares it: one read at a time', async () => {
  const bus = new EventBus(silentLogger);
  let inFlight = 0;
  let most = 0;
  let calls = 0;
  let release!: () => void;
  let gate = new Promise<void>((r) => (release = r));
  const s = scheme(
    polledDef({
      read: async () => {
        calls++;
        most = Math.max(most, ++inFlight);
        await gate;
        inFlight--;
        return { value: calls };
      },
    }),
    bus,
    60_000,
  );
  await s.start();
  await until(() => calls === 1);
  release();
  await until(() => inFlight === 0);
  gate = new Promise<void>((r) => (release = r));
  const before = calls;
  const reads = Array.from({ length: 100 }, () => s.readNow());
  await until(() => calls === before + 1);
  release();
  const results = await Promise.all(reads);
  await s.stop();
  assert.equal(calls, before + 1, '100 requests started one read');
  assert.equal(most, 1);
  assert.ok(results.every((r) => r.value === before + 1));
});

test('backoff: grows to its cap, spread by at most 20 %, and starts again only after reset', () => {
  let r = 0;
  const sequence = [0, 1, 0.5, 0, 1, 0.5, 0, 1];
  const backoff = new Backoff(100, 1_000, () => sequence[r++ % sequence.length]!);
  const delays = Array.from({ length: 8 }, () => backoff.next());
  assert.deepEqual(delays, [80, 240, 400, 640, 1_000, 1_000, 800, 1_000]);
  backoff.reset();
  assert.equal(backoff.next(), 80);
});
