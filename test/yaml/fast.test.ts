/**
 * The quick path for plain scheme files (src/yaml/fast.ts) against the yaml package: whatever it
 * reads, it reads to the same data, and the entries start where the yaml package says; whatever
 * the yaml package refuses, it leaves to the yaml package.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { parseFast } from '../../src/yaml/fast.js';
import { parseFull, parseYaml } from '../../src/yaml/source.js';
import { schemeMix } from '../../bench/schemes.js';

/** The yaml package's reading: data, or 'refused'. */
function full(text: string): unknown {
  const doc = parseDocument(text, { merge: true, prettyErrors: false });
  if (doc.errors.length || doc.warnings.length) return 'refused';
  return doc.toJS() ?? null;
}

/** Checks one text; returns whether the quick path took it. */
function agrees(text: string, label = JSON.stringify(text)): boolean {
  const fast = parseFast(text);
  const expected = full(text);
  if (!fast) return false;
  assert.notEqual(expected, 'refused', `the quick path read what the yaml package refuses: ${label}`);
  assert.deepStrictEqual(fast.value, expected, label);
  const source = parseFull(text);
  if (fast.value && typeof fast.value === 'object' && !Array.isArray(fast.value)) {
    for (const [key, list] of Object.entries(fast.value)) {
      if (!Array.isArray(list)) continue;
      list.forEach((_, i) => {
        const at = fast.entry(key, i);
        if (at) assert.deepEqual(at, source.locate([key, i]), `${label}: ${key}[${i}]`);
      });
    }
  }
  return true;
}

const SCALARS = [
  '1', '-1', '+1', '0', '-0', '+0', '017', '0o17', '0O17', '0x1F', '0X1f', '-0x1F', '+0x1F', '0b101', '1_000', '1e3', '1E3', '1.5e-3', '12e03',
  '-1.5E+3', '.5', '5.', '+.5', '-.5', '1.0', '0.', '.1e1', '1.e3', '.E3', '-0.0', '.inf', '-.Inf', '+.INF', '.nan', '.NaN', '.NAN', 'inf', 'nan',
  'Infinity', 'true', 'True', 'TRUE', 'tRUE', 'false', 'yes', 'no', 'on', 'off', 'y', 'n', 'null', 'Null', 'NULL', 'nULL', '~', '', '2026-01-01',
  '2026-01-01T10:00:00Z', '12:30', '1:20:30', '0x', '0o', '0b', '0.0.1', '1e', '00', '09', '08.5', '0777', "'017'", '"0x1F"', '"\\u00e9"', "'it''s'",
  '"a\\tb"', '"\\x41"', '"\\N"', '"\\_"', '"\\e"', '"\\0"', '"\\/"', '30s', '0x76', 'a b  c', "'a\n  b'", '"a\n\n  b"', 'é', '"\\U0001F600"', '%x',
  'a#b', "'#'", '-a', '--', '- -', ': a', '@x', '`x', '"', "'", '|', '>', '[a', '{a', '}', ']', '?', '? a', 'a:b', 'http://x/y?a=1',
];

test('every scalar reads as the yaml package reads it, in a mapping, a list, a flow list and a flow mapping', () => {
  let taken = 0;
  for (const s of SCALARS) for (const text of [`v: ${s}\n`, `- ${s}\n`, `v: [${s}]\n`, `v: {k: ${s}}\n`, `${s}: v\n`, `{${s}: v}\n`]) if (agrees(text)) taken++;
  // Most of them do go the quick way (a test that took none would prove nothing).
  assert.ok(taken > SCALARS.length * 3, `${taken} taken`);
});

/** Files as people write them: these must all go the quick way. */
const TYPICAL = [
  'inputs:\n- id: a\n  driver: bme280\n- id: b\n',
  'inputs:\n  - id: a\n    filters:\n    - x\n    - y\n  - id: b\n',
  'inputs:\n  - {id: a, bus: 1}\n  # between\n\n  - {id: b, bus: 2}   # after\noutputs:\n- {id: c}\n',
  'inputs:\r\n  - id: a\r\n  - id: b\r\n',
  'inputs:\n  - id: a\n    text: |\n      - not an entry\n      line two\n    more: >-\n      folded\n      text\n  - id: b\n',
  'inputs:\n  - id: a\n    template: "{{ value | round: 1 }} °C"\n',
  '---\ninputs: []\n',
  'a: 1 # comment\nb: "#not" # comment\n',
  'a:\n  - 1\n  -  2\n  -   3\n',
  'inputs:\n  - id: a\n    x: [1, {b: [2, 3]}, "c"]\n',
];

test('files as people write them go the quick way and read as the yaml package reads them', () => {
  for (const text of TYPICAL) assert.ok(agrees(text), `not taken: ${JSON.stringify(text)}`);
});

const SHAPES = [
  '',
  '# only a comment\n',
  '---\n',
  '---\ninputs: []\n...\n',
  '---\na: 1\n---\nb: 2\n',
  'a: 1\na: 2\n',
  'inputs:\n- id: a\n  driver: bme280\n- id: b\n',
  'inputs:\n  - id: a\n    filters:\n    - x\n    - y\n  - id: b\n',
  'inputs:\n  - {id: a, bus: 1}\n  # between\n\n  - {id: b, bus: 2}   # after\noutputs:\n- {id: c}\n',
  'inputs:\r\n  - id: a\r\n  - id: b\r\n',
  'inputs:\n  - id: "a\n  - b"\n',
  'inputs:\n  -\n    id: a\n  - id: b\n',
  'inputs: [{id: a}, {id: b}]\n',
  'inputs:\n  - id: a\n    text: |\n      - not an entry\n      line two\n    more: >-\n      folded\n      text\n  - id: b\n',
  'inputs:\n  - id: a\n    template: "{{ value | round: 1 }} °C"\n',
  'inputs:\n  - id: a\n   bad: indent\n',
  'inputs:\n  - id: a\n  bad\n',
  'inputs:\n- [1, 2\n  , 3]\n- {a: 1,\n   b: 2}\n',
  'a: "unterminated\n',
  'a: [1, 2]]\n',
  'a: b: c\n',
  'key with spaces: 1\n"quoted": 2\n\'single\': 3\n',
  '? complex\n: value\n',
  'a:\n  - 1\n  -  2\n  -   3\n',
  'a: |+\n  keep\n\n',
  'a: >2\n   indented\n',
  'a: 1 # comment\nb: "#not" # comment\n',
  '"inputs":\n  - id: a\n',
  'inputs:\n- id: a\n\ninputs2:\n- id: b\n',
  'x'.repeat(2000) + ': 1\n',
  'a: ' + '['.repeat(50) + ']'.repeat(50) + '\n',
  '[a, b]: c\n',
  '? [a]\n: b\n',
  '{a: 1}: b\n',
  '- [a]: b\n',
  'a:\n  null: 1\n  "null": 2\n',
  'inputs:\n  - id: a\n    x: [1, {b: [2, 3]}, "c"]\n',
];

/** A seeded generator, so a failure can be run again. */
function random(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
}

test('3,000 random token soups: what the quick path reads, the yaml package reads the same way', () => {
  const next = random(12345);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
  const TOKENS = ['\n', '\n  ', '\n    ', '\n- ', '\n  - ', '- ', ': ', ':', ', ', '[', ']', '{', '}', '"', "'", '#', ' # c', '|', '>-', '---', '?', 'a', 'id', 'bus', '  ', ...SCALARS.slice(0, 60)];
  let taken = 0;
  for (let i = 0; i < 3_000; i++) {
    const n = 3 + Math.floor(next() * 25);
    let text = next() < 0.5 ? 'inputs:\n  - ' : '';
    for (let j = 0; j < n; j++) text += pick(TOKENS);
    if (agrees(text + '\n')) taken++;
  }
  assert.ok(taken > 300, `${taken} taken`);
});

test('odd and broken shapes: what the quick path takes, it reads as the yaml package does', () => {
  let taken = 0;
  for (const text of SHAPES) if (agrees(text)) taken++;
  assert.ok(taken >= 5, `${taken} of ${SHAPES.length} taken`);
});

test('what the quick path leaves to the yaml package: anchors, aliases, tags, merge keys, ${VAR}, directives, tabs, a BOM', () => {
  for (const text of ['a: &x 1\nb: *x\n', 'a: !secret key\n', 'base: &b {x: 1}\nc:\n  <<: *b\n', 'a: ${HOME}\n', '%YAML 1.2\n---\na: 1\n', 'a:\n\t- 1\n', '\uFEFFa: 1\n', 'a: !!str 1\n']) {
    assert.equal(parseFast(text), undefined, JSON.stringify(text));
  }
  // They still load, through the yaml package.
  assert.deepEqual(parseYaml('base: &b {x: 1}\nc:\n  <<: *b\n  y: 2\n').value, { base: { x: 1 }, c: { x: 1, y: 2 } });
});

test('every scheme file in the repository reads the same both ways, with every entry where the yaml package puts it', () => {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (name === 'node_modules' || name.startsWith('.')) continue;
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(name)) files.push(path);
    }
  };
  for (const dir of ['schemes', 'examples', 'test']) walk(dir);
  assert.ok(files.length > 20, `${files.length} files`);
  let taken = 0;
  for (const file of files) if (agrees(readFileSync(file, 'utf8'), file)) taken++;
  assert.ok(taken > files.length / 2, `${taken} of ${files.length} taken`);
});

test('generated scheme files of 1 to 500 entries: same data, every entry located', () => {
  for (const n of [1, 7, 50, 500]) {
    const text = schemeMix(n);
    assert.ok(agrees(text, `schemeMix(${n})`));
    const fast = parseFast(text)!;
    const inputs = (fast.value as { inputs: unknown[] }).inputs;
    inputs.forEach((_, i) => assert.ok(fast.entry('inputs', i), `inputs[${i}] located by the scan`));
  }
});

test('a problem deeper than an entry is located by the yaml package, at the same place', () => {
  const text = 'inputs:\n  - id: a\n    driver: bme280\n    bus: nine\n';
  const quick = parseYaml(text);
  assert.deepEqual(quick.locate(['inputs', 0, 'bus']), { line: 4, col: 10 });
  assert.deepEqual(quick.locate(['inputs', 0, 'bus'], 'key'), { line: 4, col: 5 });
  assert.deepEqual(quick.locate(['inputs', 0]), { line: 2, col: 5 });
});
