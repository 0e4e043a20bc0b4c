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
