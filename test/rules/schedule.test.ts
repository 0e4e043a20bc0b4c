import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cronSchedule, everySchedule } from '../../src/rules/schedule.js';
import { FakeClock } from './fakes.js';

test('everySchedule: 3 ticks in 3.5 s, counted from the start, and none after stop', async () => {
  const clock = new FakeClock();
  const ticks: number[] = [];
  const s = everySchedule(1_000, clock, () => ticks.push(clock.now().getTime()));
  assert.equal(s.description, 'every 1s');
  await clock.advance(3_500);
  const t0 = Date.UTC(2025, 0, 1);
  assert.deepEqual(ticks, [t0 + 1_000, t0 + 2_000, t0 + 3_000]);
  assert.equal(s.next()?.getTime(), t0 + 4_000);
  s.stop();
  await clock.advance(5_000);
  assert.equal(ticks.length, 3);
  assert.equal(clock.pending, 0);
});

test('cronSchedule: a daily 14:30 in local time, with a fake clock', async () => {
  const clock = new FakeClock(new Date(2025, 5, 1, 14, 29, 0));
  const ticks: Date[] = [];
  const s = cronSchedule('30 14 * * *', clock, () => ticks.push(clock.now()));
  assert.deepEqual(s.next(), new Date(2025, 5, 1, 14, 30, 0));
  await clock.advance(59_999);
  assert.equal(ticks.length, 0, 'not before 14:30');
  await clock.advance(1);
  assert.deepEqual(ticks, [new Date(2025, 5, 1, 14, 30, 0)]);
  await clock.advance(24 * 3_600_000);
  assert.deepEqual(ticks.at(-1), new Date(2025, 5, 2, 14, 30, 0));
  assert.equal(ticks.length, 2);
  s.stop();
});

test('cronSchedule: six fields have seconds first', async () => {
  const clock = new FakeClock(new Date(2025, 0, 1, 0, 0, 1));
  let n = 0;
  const s = cronSchedule('*/10 * * * * *', clock, () => n++);
  await clock.advance(60_000);
  assert.equal(n, 6);
  s.stop();
});

test('cronSchedule: a wait longer than a Node timer can hold is taken in steps', async () => {
  const clock = new FakeClock(new Date(2025, 0, 2, 0, 0, 0));
  const ticks: Date[] = [];
  const s = cronSchedule('0 0 1 1 *', clock, () => ticks.push(clock.now()));
  await clock.advance(30 * 24 * 3_600_000);
  assert.equal(ticks.length, 0, 'a timer overflow would have fired at once');
  await clock.advance(335 * 24 * 3_600_000);
  assert.deepEqual(ticks, [new Date(2026, 0, 1, 0, 0, 0)]);
  s.stop();
});

test('every: a wall clock set back an hour does not hold the next tick back; next() is still wall time', async () => {
  const { everySchedule } = await import('../../src/rules/schedule.js');
  const { FakeClock } = await import('./fakes.js');
  const clock = new FakeClock(Date.UTC(2025, 0, 1));
  let ticks = 0;
  const s = everySchedule(2_000, clock, () => ticks++);
  await clock.advance(2_000);
  assert.equal(ticks, 1);
  clock.stepWall(-3_600_000);
  assert.equal(s.next()!.getTime(), clock.now().getTime() + 2_000);
  await clock.advance(2_000);
  assert.equal(ticks, 2);
  s.stop();
});
