import { test } from 'node:test';
import assert from 'node:assert/strict';
import { glyphColumns, glyphDrawings, hasGlyph } from '../../src/drivers-out/font.js';

test('font: every glyph is 7 rows of 5 pixels, each character drawn once', () => {
  const seen = new Set<string>();
  for (const [ch, drawing] of glyphDrawings()) {
    const rows = drawing.split(' ');
    assert.equal(rows.length, 7, ch);
    for (const row of rows) assert.match(row, /^[.#]{5}$/, ch);
    assert.ok(!seen.has(ch), `${ch} drawn twice`);
    seen.add(ch);
  }
});

test('font: all printable ASCII, the degree sign and micro', () => {
  for (let c = 0x20; c <= 0x7e; c++) assert.ok(hasGlyph(String.fromCharCode(c)), String.fromCharCode(c));
  assert.ok(hasGlyph('°'));
  assert.ok(hasGlyph('µ'));
});

test('font: column bytes, D0 at the top (SSD1306 datasheet 8.7)', () => {
  assert.deepEqual([...glyphColumns('H')], [0x7f, 0x08, 0x08, 0x08, 0x7f]);
  assert.deepEqual([...glyphColumns('°')], [0x06, 0x09, 0x09, 0x06, 0x00]);
  assert.deepEqual([...glyphColumns(' ')], [0, 0, 0, 0, 0]);
  assert.deepEqual([...glyphColumns('€')], [...glyphColumns('?')], 'unknown characters draw as ?');
});
