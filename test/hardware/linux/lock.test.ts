import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { BusLock } from '../../../src/hardware/linux/lock.js';

test('holders run one at a time, in the order they asked', async () => {
  const lock = new BusLock();
  const events: string[] = [];
  let inside = 0;
  const job = (name: string, ms: number) =>
    lock.run(async () => {
      inside++;
      assert.equal(inside, 1, `${name} overlapped another holder`);
      events.push(`${name} start`);
      await sleep(ms);
      events.push(`${name} end`);
      inside--;
      return name;
    });
  // The first job is the slowest, so without the lock the others would finish first.
  const results = await Promise.all([job('a', 30), job('b', 5), job('c', 1)]);
  assert.deepEqual(results, ['a', 'b', 'c']);
  assert.deepEqual(events, ['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
});

test('a multi-step exchange under one hold is not split by a call queued meanwhile', async () => {
  const lock = new BusLock();
  const wire: string[] = [];
  const exchange = lock.run(async () => {
    wire.push('select register');
    await sleep(10);
    wire.push('read data');
  });
  const intruder = lock.run(async () => void wire.push('other chip'));
  await Promise.all([exchange, intruder]);
  assert.deepEqual(wire, ['select register', 'read data', 'other chip']);
});

test('a failing holder passes its error on and releases the lock', async () => {
  const lock = new BusLock();
  const failed = lock.run(async () => {
    await sleep(1);
    throw new Error('NACK');
  });
  const next = lock.run(async () => 'next ran');
  await assert.rejects(failed, /NACK/);
  assert.equal(await next, 'next ran');
  // A synchronous throw inside the async fn behaves the same.
  await assert.rejects(lock.run(() => Promise.reject(new Error('sync'))), /sync/);
  assert.equal(await lock.run(async () => 'still free'), 'still free');
  // So does a holder that throws before it returns a promise at all.
  await assert.rejects(
    lock.run(() => {
      throw new Error('thrown at once');
    }),
    /thrown at once/,
  );
  assert.equal(await lock.run(async () => 'free again'), 'free again');
});

test('a lock handed from one holder to the next lets nobody in between, however they ask', async () => {
  const lock = new BusLock();
  const order: string[] = [];
  const first = lock.run(async () => {
    await sleep(5);
    order.push('first');
  });
  const second = lock.run(async () => void order.push('second'));
  // Asks as the first finishes, before the second has had its microtask to start.
  void first.then(() => lock.run(async () => void order.push('third')));
  await Promise.all([first, second]);
  await lock.run(async () => void order.push('last'));
  assert.deepEqual(order, ['first', 'second', 'third', 'last']);
});

test('a callback a holder left behind queues like everyone else once the holder is done', async () => {
  const lock = new BusLock();
  const order: string[] = [];
  let late!: Promise<void>;
  await lock.run(async () => {
    late = new Promise<void>((resolve) => setTimeout(() => void lock.run(async () => void order.push('late')).then(resolve), 5));
  });
  const blocker = lock.run(async () => {
    await sleep(30);
    order.push('blocker');
  });
  await Promise.all([late, blocker]);
  assert.deepEqual(order, ['blocker', 'late']);
});

test('separate locks do not wait on each other', async () => {
  const a = new BusLock();
  const b = new BusLock();
  let bRan = false;
  await a.run(async () => {
    await b.run(async () => void (bRan = true));
  });
  assert.equal(bRan, true);
});
