/**
 * Scheme files a hostile or careless user might write: an alias bomb, a file past the size limit.
 * Each is one file's problem at FILE:LINE:COL; the other files load, and nothing throws.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { loadSchemeDir, loadSchemeTexts, formatProblem } from '../../src/schemes/loader.js';
import { MAX_SCHEME_FILE_BYTES } from '../../src/core/limits.js';
import { fakeRegistry } from './fake-drivers.js';

/** The classic "billion laughs": nine levels of nine aliases each. */
export function aliasBomb(): string {
  const lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 9; i++) lines.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(',')}]`);
  return lines.join('\n') + '\n';
}

const GOOD = 'inputs:\n  - { id: climate, driver: bme280 }\n';

test('an alias bomb is one problem at its file, line and column; the other file loads', () => {
  const result = loadSchemeTexts([{ file: 'bomb.yaml', text: aliasBomb() }, { file: 'good.yaml', text: GOOD }], fakeRegistry());
  assert.deepEqual(result.problems.map(formatProblem), ['bomb.yaml:2:10: invalid YAML: too many aliases (at most 1000 expanded in a file); is this an alias bomb?']);
  assert.deepEqual(result.inputs.map((s) => s.id), ['climate']);
});

test('aliases and merge keys in ordinary numbers still load', () => {
  const entries = Array.from({ length: 150 }, (_, i) => `  - { <<: *opts, id: s${i}, address: 0x76 }`);
  const text = ['inputs:', '  - &opts { id: a, driver: bme280, interval: 5s, bus: 2 }', ...entries].join('\n');
  const ok = loadSchemeTexts([{ file: 'ok.yaml', text }], fakeRegistry());
  assert.ok(!ok.problems.some((p) => /alias/.test(p.message)), JSON.stringify(ok.problems.slice(0, 2)));
});

test('scheme files: exactly at the size limit loads; one byte past it is refused without being parsed', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hanode-size-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const padded = (size: number) => GOOD + '#'.repeat(size - GOOD.length - 1) + '\n';
  await writeFile(join(dir, 'a-at-limit.yaml'), padded(MAX_SCHEME_FILE_BYTES));
  await writeFile(join(dir, 'b-over-limit.yaml'), padded(MAX_SCHEME_FILE_BYTES + 1).replace('climate', 'climat2'));
  const result = await loadSchemeDir(dir, fakeRegistry());
  assert.deepEqual(result.problems.map(formatProblem), [
    `${join(dir, 'b-over-limit.yaml')}:1:1: the file has ${MAX_SCHEME_FILE_BYTES + 1} bytes, over the limit of 1 MiB for a scheme file; split it into several files`,
  ]);
  assert.deepEqual(result.inputs.map((s) => s.id), ['climate']);
  // The same check holds for text already in memory.
  const inMemory = loadSchemeTexts([{ file: 'big.yaml', text: padded(MAX_SCHEME_FILE_BYTES + 1) }], fakeRegistry());
  assert.equal(inMemory.problems.length, 1);
  assert.match(inMemory.problems[0]!.message, /over the limit of 1 MiB/);
});

test('a problem quotes at most a short excerpt of what is in the file', () => {
  const longKey = 'k'.repeat(1_000);
  const longValue = 'v'.repeat(5_000);
  const text = `${longKey}: 1\ninputs:\n  - { id: a, driver: bme280, interval: "${longValue}", ${longKey}: 2 }\n`;
  const result = loadSchemeTexts([{ file: 'long.yaml', text }], fakeRegistry());
  assert.equal(result.problems.length, 3, JSON.stringify(result.problems.map((p) => p.message.slice(0, 80))));
  for (const p of result.problems) assert.ok(p.message.length <= 200, `${p.message.length} characters: ${p.message.slice(0, 80)}…`);
});

test('a symlink to a file outside the schemes directory: valid, it loads; invalid, no line of it is ever quoted', async (t) => {
  const outside = await mkdtemp(join(tmpdir(), 'hanode-outside-'));
  const dir = await mkdtemp(join(tmpdir(), 'hanode-schemes-'));
  t.after(() => Promise.all([rm(outside, { recursive: true, force: true }), rm(dir, { recursive: true, force: true })]));
  const shadow = 'root:$6$Qm9zZWNyZXRoYXNo$abcdefSECRETHASH:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\nadmin: $6$otherSECRET\n';
  await writeFile(join(outside, 'shadow'), shadow);
  await writeFile(join(outside, 'shared.yaml'), 'inputs:\n  - { id: shared, driver: system }\n');
  await writeFile(join(outside, 'broken.yaml'), 'inputs:\n  - { id: leaky, driver: SECRETDRIVER, SECRETKEY: 1 }\n');
  const { symlink } = await import('node:fs/promises');
  await symlink(join(outside, 'shadow'), join(dir, 'shadow.yaml'));
  await symlink(join(outside, 'shared.yaml'), join(dir, 'shared.yaml'));
  await symlink(join(outside, 'broken.yaml'), join(dir, 'broken.yaml'));
  await writeFile(join(dir, 'own.yaml'), 'inputs:\n  - { id: own, driver: bme280 }\n');
  const result = await loadSchemeDir(dir, fakeRegistry());
  assert.deepEqual(result.inputs.map((s) => s.id).sort(), ['own', 'shared']);
  const text = result.problems.map(formatProblem).join('\n');
  for (const leaked of ['root', 'SECRET', '$6$', 'daemon', 'leaky']) assert.ok(!text.includes(leaked), `${leaked} in:\n${text}`);
  assert.deepEqual(result.problems.map((p) => [p.file, p.line, p.col]), [[join(dir, 'broken.yaml'), 1, 1], [join(dir, 'shadow.yaml'), 1, 1]]);
  assert.match(result.problems[1]!.message, /links to a file outside the schemes directory.*not quoted/);
});

test('lists nested a hundred thousand deep are a problem of that file, not a stack overflow out of the loader', () => {
  const text = 'inputs: ' + '['.repeat(100_000) + ']'.repeat(100_000) + '\n';
  const result = loadSchemeTexts([{ file: 'deep.yaml', text }, { file: 'good.yaml', text: GOOD }], fakeRegistry());
  assert.equal(result.problems.length, 1);
  assert.match(formatProblem(result.problems[0]!), /^deep\.yaml:1:\d+: invalid YAML: lists or mappings nested too deeply$/);
  assert.deepEqual(result.inputs.map((s) => s.id), ['climate']);
});
