import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, formatDuration } from '../src/core/duration.js';

test('parseDuration reads ms, s, m, h and plain milliseconds', () => {
  const cases: [unknown, number | undefined][] = [
    ['250ms', 250], ['30s', 30_000], ['1.5s', 1_500], ['5m', 300_000], ['1h', 3_600_000],
    [1200, 1200], ['10', undefined], ['5 days', undefined], [-1, undefined], [null, undefined],
  ];
  for (const [input, expected] of cases) assert.equal(parseDuration(input), expected, String(input));
});

test('formatDuration picks the largest whole unit', () => {
  assert.equal(formatDuration(300_000), '5m');
  assert.equal(formatDuration(1_500), '1500ms');
  assert.equal(formatDuration(2_000), '2s');
});

test('checkDuration holds a duration to its bounds and names the bound', async () => {
  const { checkDuration, INTERVAL_BOUNDS, PERIOD_BOUNDS } = await import('../src/core/duration.js');
  assert.deepEqual(checkDuration('168h'), { ok: true, ms: 604_800_000 });
  assert.deepEqual(checkDuration('600h'), { ok: false, error: 'expected a duration of at most 168h (7 days), got "600h"' });
  assert.deepEqual(checkDuration(1e308), { ok: false, error: 'expected a duration of at most 168h (7 days), got 1e+308' });
  assert.deepEqual(checkDuration(-1), { ok: false, error: 'expected a duration such as 500ms, 30s, 5m or 1h, got -1' });
  assert.deepEqual(checkDuration(Number.NaN), { ok: false, error: 'expected a duration such as 500ms, 30s, 5m or 1h, got NaN' });
  assert.deepEqual(checkDuration('5ms', INTERVAL_BOUNDS), { ok: false, error: 'expected a duration of at least 10ms, got "5ms"' });
  assert.deepEqual(checkDuration(0, PERIOD_BOUNDS), { ok: false, error: 'expected a duration longer than 0, got 0' });
  assert.equal(checkDuration('x'.repeat(1000)).ok, false);
  const huge = checkDuration('x'.repeat(1000));
  assert.ok(!huge.ok && huge.error.length < 120, 'a huge value is not echoed whole');
});
