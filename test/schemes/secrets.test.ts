// `!secret name` and `${ENV_VAR}` in scheme files (README "Secrets in scheme files"): from the
// secrets.yaml beside hanode.yaml, by the same code as hanode.yaml; never quoted in a problem or a log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadSchemeDir, validatePaths, formatProblem } from '../../src/schemes/loader.js';
import { SchemeFiles } from '../../src/runtime/scheme-files.js';
import { hidingHooks, silentLogger } from '../../src/core/log.js';
import { SchemeWatcher } from '../../src/schemes/watch.js';
import { hanode } from '../cli/hanode.js';
import { builtins } from '../helpers/drivers.js';

const SCHEME = [
  'inputs:',
  '  - id: weather',
  '    driver: http-json',
  '    url: !secret weather_url',
  '    headers: { X-Api-Key: "${WEATHER_KEY}" }',
  '    fields: { temperature: $.current.temp_c }',
  '    interval: 10m',
  '',
].join('\n');

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'hanode-secrets-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

test('secrets in schemes: !secret and ${VAR} resolve from secrets.yaml and the environment', async (t) => {
  const dir = tree({ 'secrets.yaml': 'weather_url: https://api.example.test/v1/current.json?key=hunter2-token\n', 'schemes/weather.yaml': SCHEME });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const result = await loadSchemeDir(join(dir, 'schemes'), builtins, { secretsFile: join(dir, 'secrets.yaml'), env: { WEATHER_KEY: 'k-12345678' } });
  assert.deepEqual(result.problems.map(formatProblem), []);
  const weather = result.inputs.find((s) => s.id === 'weather')!;
  assert.equal(weather.options.url, 'https://api.example.test/v1/current.json?key=hunter2-token');
  assert.deepEqual(weather.options.headers, { 'X-Api-Key': 'k-12345678' });
  assert.ok(result.sensitive.includes('https://api.example.test/v1/current.json?key=hunter2-token'));
  assert.ok(result.sensitive.includes('hunter2-token'), 'the parts of a URL an error could print are hidden too');
  assert.ok(result.sensitive.includes('k-12345678'));
});

test('secrets in schemes: a missing secret or variable is FILE:LINE:COL naming it and the secrets file; the file is skipped', async (t) => {
  const dir = tree({ 'secrets.yaml': 'weather_uri: https://x.test/\n', 'schemes/weather.yaml': SCHEME });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'schemes/weather.yaml');
  const secretsFile = join(dir, 'secrets.yaml');
  const { problems, fileCount } = await validatePaths([join(dir, 'schemes')], builtins, { secretsFile, env: {} });
  assert.equal(fileCount, 1);
  assert.deepEqual(problems.map((p) => `${p.file}:${p.line}:${p.col}: ${p.message}`), [
    `${file}:4:18: secret 'weather_url' is not in ${secretsFile}; did you mean 'weather_uri'?`,
    `${file}:5:27: environment variable WEATHER_KEY is not set`,
  ]);
});

test('secrets in schemes: with no secrets.yaml at all, the problem says so; an unreadable one says why', async (t) => {
  const dir = tree({ 'schemes/weather.yaml': SCHEME, 'bad/secrets.yaml': '- a list\n' });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const missing = await validatePaths([join(dir, 'schemes')], builtins, { secretsFile: join(dir, 'secrets.yaml'), env: { WEATHER_KEY: 'k' } });
  assert.deepEqual(missing.problems.map((p) => p.message), [`secret 'weather_url' is not in ${join(dir, 'secrets.yaml')}`]);
  const bad = await validatePaths([join(dir, 'schemes')], builtins, { secretsFile: join(dir, 'bad/secrets.yaml'), env: { WEATHER_KEY: 'k' } });
  assert.equal(bad.problems.length, 1);
  assert.match(bad.problems[0]!.message, /^secret 'weather_url' cannot be read: .*bad\/secrets\.yaml has problems \(run hanode validate on the config\): .*secrets\.yaml:1:1: expected a mapping/);
});

test('secrets in schemes: a problem about a secret value never quotes it', async (t) => {
  const text = ['inputs:', '  - id: weather', '    driver: http-json', '    url: !secret weather_url', '    fields: { t: $.t }', '    interval: ${POLL}', ''].join('\n');
  const dir = tree({ 'secrets.yaml': 'weather_url: not-a-url-hunter2\n', 'schemes/weather.yaml': text });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { problems } = await validatePaths([join(dir, 'schemes')], builtins, { secretsFile: join(dir, 'secrets.yaml'), env: { POLL: 'often-swordfish' } });
  const shown = problems.map(formatProblem).join('\n');
  assert.equal(problems.length, 2, shown);
  assert.doesNotMatch(shown, /hunter2|swordfish/);
  assert.match(shown, /:4:18: expected an http:\/\/ or https:\/\/ URL, got a value from secrets.yaml or the environment \(not shown\)/);
  assert.match(shown, /:6:15: /);
});

test('secrets in schemes: once loaded, they are hidden from the node\'s log lines', async (t) => {
  const dir = tree({ 'secrets.yaml': 'weather_url: https://api.example.test/v1/current.json?key=hunter2-token\n', 'schemes/weather.yaml': SCHEME });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sensitive: string[] = [];
  const lines: string[] = [];
  const log = pino({ level: 'info', hooks: hidingHooks(sensitive) }, { write: (s: string) => void lines.push(s) });
  const files = new SchemeFiles({ dir: join(dir, 'schemes'), registry: builtins, log, vars: { secretsFile: join(dir, 'secrets.yaml'), env: { WEATHER_KEY: 'k-12345678' } }, sensitive });
  await files.load();
  log.warn('weather: GET https://api.example.test/v1/current.json?key=hunter2-token: 401 for key k-12345678');
  assert.match(lines.at(-1)!, /weather: GET \*\*\*: 401 for key \*\*\*/);
  assert.doesNotMatch(lines.join(''), /hunter2|k-12345678/);
});

test('hanode validate: !secret in a scheme file reads the secrets.yaml beside hanode.yaml', async (t) => {
  const dir = tree({
    'hanode.yaml': 'schemes: ./schemes\n',
    'secrets.yaml': 'weather_url: https://api.example.test/v1/current.json?key=hunter2-token\n',
    'schemes/weather.yaml': SCHEME,
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ok = await hanode(['validate', '-c', join(dir, 'hanode.yaml')], { env: { WEATHER_KEY: 'k' } });
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stderr, /1 file valid/);
  writeFileSync(join(dir, 'secrets.yaml'), 'other: x\n');
  const bad = await hanode(['validate', '-c', join(dir, 'hanode.yaml')], { env: { WEATHER_KEY: 'k' } });
  assert.equal(bad.code, 1);
  assert.equal(bad.stdout, `${join(dir, 'schemes/weather.yaml')}:4:18: secret 'weather_url' is not in ${join(dir, 'secrets.yaml')}\n`);
});

test('secrets in schemes: a change to secrets.yaml reloads the schemes', async (t) => {
  const dir = tree({ 'secrets.yaml': 'weather_url: https://a.test/\n', 'schemes/weather.yaml': SCHEME });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const changes: string[][] = [];
  let changed!: () => void;
  const seen = new Promise<void>((resolve) => (changed = resolve));
  const watcher = new SchemeWatcher({
    dir: join(dir, 'schemes'),
    secretsFile: join(dir, 'secrets.yaml'),
    log: silentLogger,
    debounceMs: 20,
    onChange: async (files) => {
      changes.push(files);
      changed();
    },
  });
  await watcher.start();
  t.after(() => watcher.stop());
  writeFileSync(join(dir, 'secrets.yaml'), 'weather_url: https://b.test/\n');
  await seen;
  assert.deepEqual(changes, [[join(dir, 'secrets.yaml')]]);
});
