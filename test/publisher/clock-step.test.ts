/**
 * Pacing never follows the wall clock: a step back of the system clock (NTP after a boot without
 * a real-time clock, a manual date change) must not stall the outbox drain or a bridge's pacer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Outbox } from '../../src/publisher/outbox.js';
import { Delivery } from '../../src/publisher/delivery.js';
import type { MqttLink } from '../../src/mqtt/link.js';
import { captureLog, reading, tempDir } from './outbox-helpers.js';

/** Runs `fn` with Date.now (and new Date()) an hour behind from the moment `step()` is called. */
async function withClockStep<T>(fn: (step: () => void) => Promise<T>): Promise<T> {
  const realNow = Date.now;
  let offset = 0;
  Date.now = () => realNow() - offset;
  try {
    return await fn(() => (offset = 3_600_000));
  } finally {
    Date.now = realNow;
  }
}

test('Delivery: a backward clock step in the middle of a drain does not stall it', async (t) => {
  const { file, cleanup } = tempDir();
  t.after(cleanup);
  const { log } = captureLog();
  const outbox = Outbox.open({ file, log, commitWindowMs: 0 });
  t.after(() => outbox.close());
  const published: string[] = [];
  const connectHandlers: (() => void)[] = [];
  const link = {
    connected: false,
    onConnect: (fn: () => void) => void connectHandlers.push(fn),
    publish: async (topic: string) => void published.push(topic),
  };
  const delivery = new Delivery({ outbox, link: link as unknown as MqttLink, log, drainRate: 200 });
  delivery.start();
  for (let i = 0; i < 40; i++) await delivery.send(reading(i));
  assert.equal(published.length, 0, 'offline: all kept');
  await withClockStep(async (step) => {
    link.connected = true;
    for (const fn of connectHandlers) fn();
    step();
    // 40 at 200/s is a fifth of a second; the bound is only there so a stall fails instead of hanging.
    for (let waited = 0; published.length < 40 && waited < 20_000; waited += 20) await sleep(20);
  });
  delivery.stop();
  assert.equal(published.length, 40, `${published.length} of 40 drained after the clock stepped back`);
});
