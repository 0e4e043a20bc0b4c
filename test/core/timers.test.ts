import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { MAX_TIMER_MS, setLongTimeout } from '../../src/core/timers.js';

test('setLongTimeout: a wait past the setTimeout limit does not fire at once', async () => {
  let fired = 0;
  const timer = setLongTimeout(() => fired++, MAX_TIMER_MS + 60_000);
  await sleep(30);
  timer.clear();
  assert.equal(fired, 0);
});

test('setLongTimeout: a short wait fires once; clear stops it; negative and NaN count as 0', async () => {
  let fired = 0;
  setLongTimeout(() => fired++, 5);
  setLongTimeout(() => fired++, -1);
  setLongTimeout(() => fired++, Number.NaN);
  const cleared = setLongTimeout(() => (fired += 100), 5);
  cleared.clear();
  await sleep(40);
  assert.equal(fired, 3);
});
