import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clip, pad, wrapText } from '../../src/drivers-out/text-layout.js';

test('wrapText: table', () => {
  const rows: [string, number, number, string[]][] = [
    ['Hello world', 16, 2, ['Hello world']],
    ['Hello world', 5, 2, ['Hello', 'world']],
    ['Hello wonderful world', 10, 4, ['Hello', 'wonderful', 'world']],
    ['one two three four five', 9, 2, ['one two', 'three']],
    ['abcdefghij', 4, 4, ['abcd', 'efgh', 'ij']],
    ['ab abcdefgh', 5, 4, ['ab ab', 'cdefg', 'h']],
    ['12345 678', 5, 4, ['12345', '678']],
    ['line one\nline two', 16, 4, ['line one', 'line two']],
    ['a\n\nb', 5, 4, ['a', '', 'b']],
    ['a\r\nb', 5, 4, ['a', 'b']],
    ['  spaced   out  ', 16, 2, ['spaced out']],
    ['', 16, 2, ['']],
    ['21.5°C', 5, 2, ['21.5°', 'C']],
  ];
  for (const [text, cols, n, want] of rows) assert.deepEqual(wrapText(text, cols, n), want, JSON.stringify(text));
});

test('clip and pad count characters, not UTF-16 units', () => {
  assert.equal(clip('21.5°C!', 6), '21.5°C');
  assert.equal(pad('°', 3), '°  ');
  assert.equal(pad('abcdef', 3), 'abc');
  assert.equal(clip('ab', 5), 'ab');
});

test('wrapText: a megabyte of text is cut to what fits, in one linear pass', { timeout: 20_000 }, () => {
  const word = 'x'.repeat(1_000_000);
  assert.deepEqual(wrapText(word, 20, 4), ['x'.repeat(20), 'x'.repeat(20), 'x'.repeat(20), 'x'.repeat(20)]);
  assert.deepEqual(wrapText(`ab ${word}`, 5, 2), ['ab xx', 'xxxxx']);
  const words = 'lorem ipsum '.repeat(100_000);
  assert.deepEqual(wrapText(words, 16, 2), ['lorem ipsum', 'lorem ipsum']);
  const newlines = '\n'.repeat(1_000_000);
  assert.deepEqual(wrapText(newlines, 16, 2), ['', '']);
  assert.deepEqual(wrapText(' '.repeat(1_000_000) + 'end', 16, 2), ['end']);
});

test('clip and pad stop at the width on a long line', { timeout: 20_000 }, () => {
  const long = '°'.repeat(1_000_000);
  assert.equal(clip(long, 3), '°°°');
  assert.equal(pad(long, 3), '°°°');
});
