/** When polled inputs read: on the interval's boundaries of the clock, so schemes with the same interval read together. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextPollDelay } from '../../src/runtime/input-scheme.js';

test('the next poll is at the next multiple of the interval, whenever the last one ended', () => {
  assert.equal(nextPollDelay(10_000, 1_000, false), 1_000);
  assert.equal(nextPollDelay(10_001, 1_000, false), 999);
  assert.equal(nextPollDelay(10_999, 1_000, false), 1);
  // Two schemes that ended their reads at different moments of the same second meet at the next one.
  assert.equal(10_250 + nextPollDelay(10_250, 1_000, false), 10_830 + nextPollDelay(10_830, 1_000, false));
  // A read that overran its interval skips the boundary it missed.
  assert.equal(12_400 + nextPollDelay(12_400, 1_000, false), 13_000);
  // Long intervals land on round times: every 30 s at :00 and :30; every hour on the hour.
  const t = Date.parse('2026-12-05T10:17:42.123Z');
  assert.equal(new Date(t + nextPollDelay(t, 30_000, false)).toISOString(), '2026-12-05T10:18:00.000Z');
  assert.equal(new Date(t + nextPollDelay(t, 3_600_000, false)).toISOString(), '2026-12-05T11:00:00.000Z');
  // Before 1970 (a Pi whose clock has not been set yet) the delay is still within one interval.
  assert.equal(nextPollDelay(-250, 1_000, false), 250);
});

test('after the first reading the next one is at least half an interval away', () => {
  assert.equal(nextPollDelay(10_900, 1_000, true), 1_100);
  assert.equal(nextPollDelay(10_400, 1_000, true), 600);
  assert.equal(nextPollDelay(10_500, 1_000, true), 500);
  const t = Date.parse('2026-12-05T10:17:59.000Z');
  assert.equal(new Date(t + nextPollDelay(t, 30_000, true)).toISOString(), '2026-12-05T10:18:30.000Z');
});
