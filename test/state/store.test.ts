import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { silentLogger } from '../../src/core/log.js';
import { EventBus } from '../../src/core/bus.js';
import { StateStore, parseStateData } from '../../src/state/index.js';

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hanode-state-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A logger that keeps its warnings, to check what the user is told. */
function capturingLogger() {
  const lines: { level: number; msg: string }[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { log, warnings: () => lines.filter((l) => l.level === 40).map((l) => l.msg) };
}

test('StateStore: states, overrides and counters survive a reopen', async (t) => {
  const file = join(await tempDir(t), 'data', 'state.json');
  const ts = new Date('2025-03-01T10:00:00.123Z');
  const a = await StateStore.open({ file, log: silentLogger });
  a.setState('kitchen-fan', { state: 'ON' }, ts);
  a.setState('kitchen-climate', { temperature: 21.5, humidity: 40 }, ts);
  a.setInterval('kitchen-climate', 5_000);
  a.setEnabled('scheme', 'hall-light', false);
  a.setEnabled('rule', 'fan-when-hot', false);
  a.setEnabled('rule', 'fan-when-hot', false);
  a.setCounter('water-meter', 1234);
  await a.close();

  const b = await StateStore.open({ file, log: silentLogger });
  assert.deepEqual(b.getState('kitchen-fan'), { state: { state: 'ON' }, ts });
  assert.deepEqual(b.getState('kitchen-climate')?.state, { temperature: 21.5, humidity: 40 });
  assert.equal(b.getState('nope'), undefined);
  assert.deepEqual(b.overrides(), { intervals: { 'kitchen-climate': 5_000 }, disabled: { schemes: ['hall-light'], rules: ['fan-when-hot'] }, enabled: { schemes: [], rules: [] } });
  assert.equal(b.isEnabled('rule', 'fan-when-hot'), false);
  assert.equal(b.isEnabled('scheme', 'kitchen-fan'), true);
  assert.equal(b.getCounter('water-meter'), 1234);

  b.setEnabled('rule', 'fan-when-hot', true);
  b.setInterval('kitchen-climate', undefined);
  b.deleteState('kitchen-climate');
  await b.close();
  const c = await StateStore.open({ file, log: silentLogger });
  // Enabled at run time: remembered, so a rule disabled in its file comes back enabled too.
  assert.deepEqual(c.overrides(), { intervals: {}, disabled: { schemes: ['hall-light'], rules: [] }, enabled: { schemes: [], rules: ['fan-when-hot'] } });
  assert.equal(c.getState('kitchen-climate'), undefined);
  assert.equal(c.stats.quarantined, undefined);
  await c.close();
});

test('StateStore: a state not yet written is what getState and snapshot give, deleteState forgets it, and the write carries the latest', async (t) => {
  const file = join(await tempDir(t), 'state.json');
  const store = await StateStore.open({ file, log: silentLogger, flushMs: 60_000 });
  t.after(() => store.close());
  const first = { temperature: 20 };
  store.setState('tank', first, new Date('2026-01-01T00:00:00.000Z'));
  store.setState('tank', { temperature: 21.5 }, new Date('2026-01-01T00:00:01.000Z'));
  store.setState('gone', { on: true }, new Date('2026-01-01T00:00:02.000Z'));
  first.temperature = 99; // a state the store no longer holds
  assert.deepEqual(store.getState('tank'), { state: { temperature: 21.5 }, ts: new Date('2026-01-01T00:00:01.000Z') });
  const copy = store.getState('tank')!;
  copy.state.temperature = -1;
  copy.ts.setTime(0);
  assert.deepEqual(store.getState('tank'), { state: { temperature: 21.5 }, ts: new Date('2026-01-01T00:00:01.000Z') }, 'getState hands out copies');
  store.deleteState('gone');
  assert.equal(store.getState('gone'), undefined);
  assert.deepEqual(store.snapshot().states, { tank: { state: { temperature: 21.5 }, ts: '2026-01-01T00:00:01.000Z' } });
  store.setState('tank', { temperature: 22 }, new Date('2026-01-01T00:00:03.000Z'));
  await store.flush();
  const written = JSON.parse(await readFile(file, 'utf8'));
  assert.deepEqual(written.states, { tank: { state: { temperature: 22 }, ts: '2026-01-01T00:00:03.000Z' } });
});

test('StateStore: 50 state changes inside one flush window make one write', async (t) => {
  const file = join(await tempDir(t), 'state.json');
  const store = await StateStore.open({ file, log: silentLogger, flushMs: 200 });
  t.after(() => store.close());
  for (let i = 0; i < 50; i++) {
    store.setState('kitchen-climate', { temperature: 20 + i / 10 });
    if (i % 10 === 0) await sleep(5); // spread over several event-loop turns, still inside the window
  }
  assert.equal(store.stats.writes, 0, 'nothing is written before the window ends');
  await sleep(400);
  assert.equal(store.stats.writes, 1);
  const saved = parseStateData(JSON.parse(await readFile(file, 'utf8')));
  assert.equal(saved.states['kitchen-climate']!.state.temperature, 24.9);
});

test('StateStore: a 10 Hz input writes at most once per flushMs', async (t) => {
  const file = join(await tempDir(t), 'state.json');
  const store = await StateStore.open({ file, log: silentLogger, flushMs: 250 });
  t.after(() => store.close());
  for (let i = 0; i < 10; i++) {
    store.setState('fast', { raw: i });
    await sleep(100);
  }
  // 1 s of changes with a 250 ms window: about 4 writes, never one per change.
  assert.ok(store.stats.writes >= 3 && store.stats.writes <= 5, `writes: ${store.stats.writes}`);
});

test('StateStore: overrides are written promptly even with a long state window', async (t) => {
  const file = join(await tempDir(t), 'state.json');
  const store = await StateStore.open({ file, log: silentLogger, flushMs: 60_000 });
  t.after(() => store.close());
  store.setState('kitchen-fan', { state: 'ON' });
  store.setInterval('kitchen-climate', 2_000);
  await sleep(300);
  assert.equal(store.stats.writes, 1);
  const saved = parseStateData(JSON.parse(await readFile(file, 'utf8')));
  assert.equal(saved.overrides.intervals['kitchen-climate'], 2_000);
  // The write carried the pending state change too.
  assert.equal(saved.states['kitchen-fan']!.state.state, 'ON');
});

test('StateStore: the file is always a whole old or new version, and no temp file is left', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'state.json');
  const store = await StateStore.open({ file, log: silentLogger, flushMs: 0 });
  store.setState('n', { n: 0 });
  await store.flush();
  let stop = false;
  let reads = 0;
  let lastSeen = -1;
  // A reader racing the writer: every read must parse, and the counter never goes back.
  const reader = (async () => {
    while (!stop) {
      const data = parseStateData(JSON.parse(await readFile(file, 'utf8')));
      const n = data.states.n!.state.n as number;
      assert.ok(n >= lastSeen, `went back from ${lastSeen} to ${n}`);
      lastSeen = n;
      reads++;
    }
  })();
  for (let i = 1; i <= 300; i++) {
    store.setState('n', { n: i, padding: 'x'.repeat(i * 10) });
    if (i % 3 === 0) await store.flush();
    else await sleep(0);
  }
  await store.close();
  stop = true;
  await reader;
  assert.ok(reads > 10, `reader ran ${reads} times`);
  assert.equal(parseStateData(JSON.parse(await readFile(file, 'utf8'))).states.n!.state.n, 300);
  assert.deepEqual((await readdir(dir)).sort(), ['state.json']);
});

test('StateStore: a file truncated to half its size is moved aside and the store starts clean', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'state.json');
  const first = await StateStore.open({ file, log: silentLogger });
  first.setState('kitchen-fan', { state: 'ON' });
  first.setInterval('kitchen-climate', 5_000);
  await first.close();
  const size = (await stat(file)).size;
  await truncate(file, Math.floor(size / 2));

  const { log, warnings } = capturingLogger();
  const store = await StateStore.open({ file, log });
  assert.equal(store.getState('kitchen-fan'), undefined);
  assert.deepEqual(store.overrides(), { intervals: {}, disabled: { schemes: [], rules: [] }, enabled: { schemes: [], rules: [] } });
  const aside = store.stats.quarantined!;
  assert.match(aside, /state\.json\.corrupt-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal((await stat(aside)).size, Math.floor(size / 2));
  assert.equal(warnings().length, 1);
  assert.match(warnings()[0]!, /unusable.*moved it to .*corrupt-/);

  // The clean store works as usual and writes a fresh file.
  store.setState('kitchen-fan', { state: 'OFF' });
  await store.close();
  const again = await StateStore.open({ file, log: silentLogger });
  assert.equal(again.getState('kitchen-fan')?.state.state, 'OFF');
  assert.equal(again.stats.quarantined, undefined);
  await again.close();
});

test('StateStore: unusable files of every kind start clean without throwing', async (t) => {
  const table: [string, string | 'dir'][] = [
    ['empty file', ''],
    ['not JSON', 'hello'],
    ['a list', '[]'],
    ['a state that is not {state, ts}', '{"states":{"a":5}}'],
    ['a nested state value', '{"states":{"a":{"state":{"x":{"y":1}},"ts":"2025-01-01T00:00:00Z"}}}'],
    ['a negative interval', '{"overrides":{"intervals":{"x":-1}}}'],
    ['disabled not a list', '{"overrides":{"disabled":{"rules":"fan"}}}'],
    ['a future version', '{"version":2}'],
    ['a directory', 'dir'],
  ];
  for (const [what, content] of table) {
    const dir = await tempDir(t);
    const file = join(dir, 'state.json');
    if (content === 'dir') await mkdir(file);
    else await writeFile(file, content);
    const store = await StateStore.open({ file, log: silentLogger });
    assert.ok(store.stats.quarantined, what);
    assert.deepEqual(store.overrides().intervals, {}, what);
    store.setState('x', { state: 'ON' });
    await store.flush();
    await store.close();
  }
});

test('StateStore: an older file without some sections loads', async (t) => {
  const file = join(await tempDir(t), 'state.json');
  await writeFile(file, JSON.stringify({ states: { fan: { state: { state: 'ON' }, ts: '2025-01-01T00:00:00.000Z' } } }));
  const store = await StateStore.open({ file, log: silentLogger });
  assert.equal(store.stats.quarantined, undefined);
  assert.equal(store.getState('fan')?.state.state, 'ON');
  assert.deepEqual(store.overrides(), { intervals: {}, disabled: { schemes: [], rules: [] }, enabled: { schemes: [], rules: [] } });
  await store.close();
});

test('StateStore: open removes temp files left by an interrupted write', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'state.json');
  await writeFile(`${file}.4242.7.tmp`, '{"half');
  await writeFile(join(dir, 'outbox.db'), 'other');
  const store = await StateStore.open({ file, log: silentLogger });
  assert.deepEqual((await readdir(dir)).sort(), ['outbox.db']);
  await store.close();
});

test('StateStore: attach records state events from the bus, detach stops it', async (t) => {
  const file = join(await tempDir(t), 'state.json');
  const store = await StateStore.open({ file, log: silentLogger });
  const bus = new EventBus(silentLogger);
  store.attach(bus);
  const ts = new Date('2025-05-05T05:05:05.005Z');
  bus.emit('state', { id: 'kitchen-fan', direction: 'output', state: { state: 'ON' }, ts });
  assert.deepEqual(store.getState('kitchen-fan'), { state: { state: 'ON' }, ts });
  store.detach();
  bus.emit('state', { id: 'kitchen-fan', direction: 'output', state: { state: 'OFF' }, ts });
  assert.equal(store.getState('kitchen-fan')?.state.state, 'ON');
  await store.close();
});

test('StateStore: what was flushed survives kill -9 in the middle of later writes', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'state.json');
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./kill-child.ts', import.meta.url)), file], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('flushed\n')) resolve();
    });
    child.on('exit', () => reject(new Error(`child exited before flushing: ${out}`)));
  });
  await sleep(150); // let it write a few hundred times more
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');

  const store = await StateStore.open({ file, log: silentLogger });
  assert.equal(store.stats.quarantined, undefined, 'the file is whole after kill -9');
  assert.deepEqual(store.overrides(), { intervals: { 'kitchen-climate': 5_000 }, disabled: { schemes: [], rules: ['fan-when-hot'] }, enabled: { schemes: [], rules: [] } });
  assert.deepEqual(store.getState('kitchen-fan'), { state: { state: 'ON' }, ts: new Date('2025-01-01T00:00:00.000Z') });
  assert.ok(((store.getState('counter')?.state.n as number) ?? 0) > 0, 'later writes landed too');
  await store.close();
  assert.ok(!(await readdir(dir)).some((n) => n.endsWith('.tmp')));
});

test('StateStore: a saved interval override outside the interval bounds is dropped with a warning; the rest loads', async (t) => {
  const file = join(await tempDir(t), 'state.json');
  const saved = { states: { fan: { state: { state: 'ON' }, ts: '2025-01-01T00:00:00.000Z' } }, overrides: { intervals: { flood: 1e308, fast: 1, ok: 5_000 } } };
  await writeFile(file, JSON.stringify(saved));
  const { log, warnings } = capturingLogger();
  const store = await StateStore.open({ file, log });
  assert.equal(store.stats.quarantined, undefined);
  assert.deepEqual(store.overrides().intervals, { ok: 5_000 });
  assert.equal(store.getState('fan')?.state.state, 'ON');
  assert.equal(warnings().length, 2);
  assert.match(warnings()[0]!, /flood.*at most 168h \(7 days\)/);
  assert.match(warnings()[1]!, /fast.*at least 10ms/);
  await store.close();
});
