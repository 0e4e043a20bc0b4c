import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandInput } from '../../src/drivers-in/command.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import { optionsFor } from './context.js';
import { packInputContext } from './pack-context.js';

// The programs under test are small sh scripts: sh is the *program* here, started by exec with
// an argv array. hanode itself never asks a shell to interpret anything.
const dir = await mkdtemp(join(tmpdir(), 'hanode-command-'));
after(() => rm(dir, { recursive: true, force: true }));
async function script(name: string, body: string, mode = 0o755): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, mode);
  return path;
}

/** True once `pid` has exited (gone, or a zombie waiting for a parent that may never reap it). */
async function ended(pid: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    if (!status || /^State:\s+Z/m.test(status)) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

function driver(raw: Record<string, unknown>) {
  const options = optionsFor(commandInput, raw, 'probe');
  return commandInput.create(options, packInputContext(createSimHardware(), 'probe'));
}

async function readOnce(raw: Record<string, unknown>) {
  const d = driver(raw);
  await d.start();
  try {
    return await d.read!();
  } finally {
    await d.stop();
  }
}

test('command: a number, a vcgencmd-style pattern, named groups as fields, text', async () => {
  assert.deepEqual(await readOnce({ argv: [await script('num', 'echo 42.5')] }), { value: 42.5 });
  const vcgencmd = await script('vcgencmd', `[ "$1" = measure_temp ] && echo "temp=48.3'C"`);
  assert.deepEqual(await readOnce({ argv: [vcgencmd, 'measure_temp'], pattern: "temp=([0-9.]+)'C", field: 'temperature' }), { temperature: 48.3 });
  const both = await script('both', 'echo "t=21.5 h=40 ok"');
  assert.deepEqual(await readOnce({ argv: [both], pattern: 't=(?<temperature>[\\d.]+) h=(?<humidity>[\\d.]+)' }), { temperature: 21.5, humidity: 40 });
  assert.deepEqual(await readOnce({ argv: [both], parse: 'text', pattern: '(ok|fault)$', field: 'status' }), { status: 'ok' });
});

test('command: JSON with JSONPath fields, or a bare JSON value', async () => {
  const ups = await script('ups', `echo '{"status":"OL","battery":{"charge":97,"runtime":1800}}'`);
  assert.deepEqual(await readOnce({ argv: [ups], parse: 'json', fields: { status: '$.status', charge: '$.battery.charge' } }), { status: 'OL', charge: 97 });
  assert.deepEqual(await readOnce({ argv: [await script('bare', 'echo 7')], parse: 'json', field: 'count' }), { count: 7 });
  await assert.rejects(readOnce({ argv: [ups], parse: 'json' }), /name the values with `fields`/);
});

test('command: shell metacharacters in argv reach the program as plain characters', async () => {
  const marker = join(dir, 'pwned');
  const hostile = `; touch ${marker} $(touch ${marker}) \`touch ${marker}\` | touch ${marker} && echo "'`;
  const echo = await script('echo-arg', 'printf "%s" "$1"');
  assert.deepEqual(await readOnce({ argv: [echo, hostile], parse: 'text' }), { value: hostile.trim() });
  await assert.rejects(readFile(marker), { code: 'ENOENT' });
});

test("command: the agent's environment is not passed on; env adds to a minimal one", async () => {
  process.env.HANODE_TEST_SECRET = 'hunter2';
  const env = await script('env', 'printf "%s/%s" "${HANODE_TEST_SECRET:-none}" "${MODE:-unset}"');
  assert.deepEqual(await readOnce({ argv: [env], parse: 'text', env: { MODE: 'fast' } }), { value: 'none/fast' });
  delete process.env.HANODE_TEST_SECRET;
});

test('command: a non-zero exit, a non-number, no match or too much output is a failed read', async () => {
  await assert.rejects(readOnce({ argv: [await script('fail', 'echo "no such sensor" >&2; exit 3')] }), /exited with status 3: no such sensor/);
  await assert.rejects(readOnce({ argv: [await script('word', 'echo hot')] }), /not a number: "hot"/);
  await assert.rejects(readOnce({ argv: [await script('nomatch', 'echo error')], pattern: 'temp=(\\d+)' }), /does not match/);
  await assert.rejects(readOnce({ argv: [await script('flood', 'yes | head -c 200000')] }), /more than 65536 bytes/);
});

test('command: a timeout ends the program and everything it started (SIGTERM to the group)', async () => {
  const pidFile = join(dir, 'sleep.pid');
  const slow = await script('slow', `sleep 30 & echo $! > ${pidFile}; wait`);
  const started = Date.now();
  await assert.rejects(readOnce({ argv: [slow], timeout: '300ms' }), /no exit within 300 ms \(killed\)/);
  assert.ok(Date.now() - started < 1500, 'ended at the timeout, not when sleep would have');
  const pid = Number(await readFile(pidFile, 'utf8'));
  assert.ok(await ended(pid), 'the grandchild is gone too');
});

test('command: a program that ignores SIGTERM gets SIGKILL after the grace second', async () => {
  const stubborn = await script('stubborn', "trap '' TERM; sleep 30");
  const started = Date.now();
  await assert.rejects(readOnce({ argv: [stubborn], timeout: '200ms' }), /killed/);
  const took = Date.now() - started;
  assert.ok(took >= 1100, `killed after ${took} ms, before the grace second was over`);
});

test('command: start checks argv[0]: it must exist, be a file and be executable', async () => {
  await assert.rejects(driver({ argv: [join(dir, 'missing')] }).start(), /does not exist or is not a file/);
  await assert.rejects(driver({ argv: [dir] }).start(), /is not a file/);
  await assert.rejects(driver({ argv: [await script('plain', 'echo 1', 0o644)] }).start(), /not executable/);
  await assert.rejects(driver({ argv: ['/bin/true'] }).read!(), /not started/);
  assert.throws(() => commandInput.schema.parse({ argv: ['vcgencmd', 'measure_temp'] }), /absolute path/);
  assert.throws(() => commandInput.schema.parse({ argv: [] }));
  assert.throws(() => commandInput.schema.parse({ argv: ['/bin/echo'], pattern: '([' }), /regular expression/);
  assert.deepEqual(commandInput.schema.parse({ argv: ['/bin/echo', '1'] }), {
    argv: ['/bin/echo', '1'], parse: 'number', field: 'value', env: {}, timeout: 10_000, interval: 60_000,
  });
});
