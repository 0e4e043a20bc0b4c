/**
 * The management `$request` operations (README "Managing nodes without SSH") over a private
 * Mosquitto with real agents: one left read-only (the default) and one with
 * `management: { remote: true }`.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useBroker } from '../helpers/broker-fixture.js';
import { startAgent } from '../helpers/agent.js';
import type { Agent } from '../../src/agent/agent.js';
import { MAX_SCHEME_FILE_BYTES } from '../../src/core/limits.js';

const RO = 'mgmt-ro';
const RW = 'mgmt-rw';
const broker = useBroker({ probe: ['han/#'] });
let ro: { agent: Agent; config: { schemes: string } };
let rw: { agent: Agent; config: { schemes: string; data: string } };
let tx = 0;

async function request(node: string, op: string, args: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const transaction = `t${++tx}`;
  const since = broker.probe.mark();
  await broker.probe.publish(`han/${node}/$request/${op}`, JSON.stringify({ ...args, transaction }));
  const reply = await broker.probe.waitFor(`han/${node}/$response/${op}`, (p) => JSON.parse(p).transaction === transaction, 10_000, since);
  return JSON.parse(reply.payload);
}

const FAN = ['outputs:', '  - { id: fan, driver: gpio-out, pin: 27 }', ''].join('\n');

broker.before(async () => {
  ro = await startAgent({ url: broker.url, node: RO, schemes: { 'fan.yaml': FAN } });
  // A hanode.yaml with a password in clear and a secret reference, for the backup.
  const cfgDir = mkdtempSync(join(tmpdir(), 'hanode-mgmt-cfg-'));
  const configFile = join(cfgDir, 'hanode.yaml');
  writeFileSync(
    configFile,
    ['# the hall node', 'mqtt:', '  url: mqtt://hall:hunter2@hub.local:1883', '  username: hall', '  password: s3cr3t-in-clear', 'http: { token: !secret http_token }', 'management: { remote: true }', ''].join('\n'),
  );
  rw = await startAgent({
    url: broker.url,
    node: RW,
    schemes: { 'fan.yaml': FAN, 'rules.yaml': ['rules:', '  - { id: tick, every: 1h, then: [ { set: { output: fan, value: "ON" } } ] }', ''].join('\n') },
    config: { management: { remote: true }, file: configFile, sensitive: ['the-token-value'] },
  });
  await broker.probe.waitFor(`han/${RO}/status`, (p) => p === 'online');
  await broker.probe.waitFor(`han/${RW}/status`, (p) => p === 'online');
});

broker.after(async () => {
  await ro?.agent.stop();
  await rw?.agent.stop();
});

describe('with management.remote false (the default)', () => {
  const writes: [string, Record<string, unknown>][] = [
    ['restart', {}],
    ['log_level', { level: 'debug' }],
    ['scheme/put', { file: 'new.yaml', yaml: 'outputs:\n  - { id: lamp, driver: gpio-out, pin: 22 }\n' }],
    ['scheme/delete', { file: 'fan.yaml' }],
  ];
  for (const [op, args] of writes) {
    test(`${op} is refused with an answer that says how to allow it`, async () => {
      const since = broker.probe.mark();
      const r = await request(RO, op, args);
      assert.equal(r.status, 'error');
      assert.equal(r.transaction, `t${tx}`);
      assert.match(r.error, new RegExp(`^${op}: refused; .*management: \\{ remote: true \\} in hanode.yaml`));
      await broker.probe.waitFor(`han/${RO}/$error`, (p) => JSON.parse(p).topic === `han/${RO}/$request/${op}`, 3_000, since);
    });
  }

  test('nothing was changed by the refused writes', async () => {
    assert.equal(existsSync(join(ro.config.schemes, 'new.yaml')), false);
    assert.equal(readFileSync(join(ro.config.schemes, 'fan.yaml'), 'utf8'), FAN);
    assert.equal(ro.agent.log.level, 'silent');
    assert.equal(ro.agent.schemes.has('fan'), true);
  });

  test('the read-only scheme/get and backup are answered', async () => {
    const get = await request(RO, 'scheme/get', { file: 'fan.yaml' });
    assert.equal(get.status, 'ok');
    assert.deepEqual(get.data, { file: 'fan.yaml', yaml: FAN, bytes: Buffer.byteLength(FAN) });
    const backup = await request(RO, 'backup');
    assert.equal(backup.status, 'ok');
    assert.deepEqual(backup.data.schemes, [{ file: 'fan.yaml', yaml: FAN }]);
  });
});

describe('with management.remote true', () => {
  test('log_level sets the level at run time and refuses an unknown one', async () => {
    const r = await request(RW, 'log_level', { level: 'debug' });
    assert.equal(r.status, 'ok');
    assert.deepEqual(r.data, { level: 'debug', previous: 'silent' });
    assert.equal(rw.agent.log.level, 'debug');
    const bad = await request(RW, 'log_level', { level: 'verbose' });
    assert.equal(bad.status, 'error');
    assert.match(bad.error, /expected \{"level": one of fatal, error, warn, info, debug, trace, silent\}, got "verbose"/);
    assert.equal(rw.agent.log.level, 'debug');
    assert.equal((await request(RW, 'log_level', { level: 'silent' })).status, 'ok');
  });

  test('restart is refused when the agent was not started by hanode run', async () => {
    const r = await request(RW, 'restart');
    assert.equal(r.status, 'error');
    assert.match(r.error, /not started by `hanode run`/);
  });

  test('scheme/put writes a new file atomically and starts its schemes', async () => {
    const yaml = 'outputs:\n  - { id: lamp, driver: gpio-out, pin: 22 }\n';
    const since = broker.probe.mark();
    const r = await request(RW, 'scheme/put', { file: 'rooms/hall.yaml', yaml });
    assert.equal(r.status, 'ok', r.error);
    assert.equal(r.data.file, 'rooms/hall.yaml');
    assert.equal(r.data.created, true);
    assert.deepEqual(r.data.reload.started, ['lamp']);
    assert.equal(readFileSync(join(rw.config.schemes, 'rooms/hall.yaml'), 'utf8'), yaml);
    assert.deepEqual(readdirSync(join(rw.config.schemes, 'rooms')), ['hall.yaml'], 'no temp file left behind');
    assert.equal(rw.agent.schemes.has('lamp'), true);
    await broker.probe.waitFor(`han/${RW}/lamp/availability`, (p) => p === 'online', 3_000, since);
  });

  test('scheme/put replaces a file and restarts what changed', async () => {
    const r = await request(RW, 'scheme/put', { file: 'rooms/hall.yaml', yaml: 'outputs:\n  - { id: lamp, driver: gpio-out, pin: 23 }\n' });
    assert.equal(r.status, 'ok', r.error);
    assert.equal(r.data.created, false);
    assert.deepEqual(r.data.reload.restarted, ['lamp']);
  });

  test('invalid YAML is answered with FILE:LINE:COL problems and changes nothing', async () => {
    const before = readFileSync(join(rw.config.schemes, 'rooms/hall.yaml'), 'utf8');
    const r = await request(RW, 'scheme/put', { file: 'rooms/hall.yaml', yaml: 'outputs:\n  - { id: lamp, driver: gpio-out, pin: 23\n' });
    assert.equal(r.status, 'error');
    assert.match(r.error, /^rooms\/hall\.yaml is invalid; nothing was changed: rooms\/hall\.yaml:\d+:\d+: invalid YAML/);
    assert.match(r.data.problems[0], /^rooms\/hall\.yaml:\d+:\d+: /);
    assert.equal(readFileSync(join(rw.config.schemes, 'rooms/hall.yaml'), 'utf8'), before);
    const schema = await request(RW, 'scheme/put', { file: 'other.yaml', yaml: 'outputs:\n  - id: x\n    driver: gpio-outt\n    pin: 5\n' });
    assert.equal(schema.status, 'error');
    assert.match(schema.data.problems[0], /^other\.yaml:3:13: .*gpio-out/);
    assert.equal(existsSync(join(rw.config.schemes, 'other.yaml')), false);
  });

  test('two puts at once are validated one after the other: the second sees the first', async () => {
    const yaml = 'outputs:\n  - { id: twin, driver: gpio-out, pin: 6 }\n';
    const [a, b] = await Promise.all([request(RW, 'scheme/put', { file: 'twin-a.yaml', yaml }), request(RW, 'scheme/put', { file: 'twin-b.yaml', yaml })]);
    assert.deepEqual([a.status, b.status], ['ok', 'error']);
    assert.ok(b.data.problems.some((p: string) => /^twin-b\.yaml:2:\d+: .*twin/.test(p)), JSON.stringify(b.data));
    assert.equal(existsSync(join(rw.config.schemes, 'twin-b.yaml')), false);
    assert.equal((await request(RW, 'scheme/delete', { file: 'twin-a.yaml' })).status, 'ok');
  });

  test('an answer lists at most 100 problems', async () => {
    const yaml = ['inputs:', ...Array.from({ length: 101 }, (_, i) => `  - { id: s${i}, driver: nope }`), ''].join('\n');
    const r = await request(RW, 'scheme/put', { file: 'many.yaml', yaml });
    assert.equal(r.status, 'error');
    assert.equal(r.data.problems.length, 101);
    assert.match(r.data.problems[99], /^many\.yaml:101:/);
    assert.equal(r.data.problems[100], '… and 1 more');
    const exactly = ['inputs:', ...Array.from({ length: 100 }, (_, i) => `  - { id: s${i}, driver: nope }`), ''].join('\n');
    const r100 = await request(RW, 'scheme/put', { file: 'many.yaml', yaml: exactly });
    assert.equal(r100.data.problems.length, 100);
    assert.ok(r100.data.problems.every((p: string) => p.startsWith('many.yaml:')));
  });

  test('a put that would clash with another file (a duplicate id) is refused', async () => {
    const r = await request(RW, 'scheme/put', { file: 'dup.yaml', yaml: 'outputs:\n  - { id: fan, driver: gpio-out, pin: 5 }\n' });
    assert.equal(r.status, 'error');
    assert.ok(r.data.problems.some((p: string) => /^dup\.yaml:2:\d+: .*fan/.test(p)), JSON.stringify(r.data.problems));
    assert.equal(existsSync(join(rw.config.schemes, 'dup.yaml')), false);
  });

  const outside = [
    '../escape.yaml',
    '/etc/escape.yaml',
    'rooms/../../escape.yaml',
    'rooms/./x.yaml',
    '..\\escape.yaml',
    '.hidden.yaml',
    'notes.txt',
    'a/b/c/d/e.yaml',
    'x'.repeat(196) + '.yaml',
  ];
  for (const file of outside) {
    test(`scheme/put, get and delete refuse the name ${JSON.stringify(file.length > 40 ? `${file.slice(0, 12)}… (${file.length} chars)` : file)}`, async () => {
      for (const op of ['scheme/put', 'scheme/get', 'scheme/delete']) {
        const r = await request(RW, op, { file, yaml: FAN });
        assert.equal(r.status, 'error', `${op} ${file}`);
        assert.match(r.error, /schemes directory|characters|levels deep|\.yaml or \.yml|each part of the path/);
      }
      assert.equal(existsSync(join(rw.config.schemes, '..', 'escape.yaml')), false);
    });
  }

  test('a name of exactly 200 characters is accepted', async () => {
    const file = 'n'.repeat(195) + '.yaml';
    const r = await request(RW, 'scheme/put', { file, yaml: '# empty\n' });
    assert.equal(r.status, 'ok', r.error);
    assert.equal((await request(RW, 'scheme/delete', { file })).status, 'ok');
  });

  test('a symbolic link out of the schemes directory is refused', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'hanode-elsewhere-'));
    symlinkSync(elsewhere, join(rw.config.schemes, 'linked'));
    const r = await request(RW, 'scheme/put', { file: 'linked/x.yaml', yaml: FAN });
    assert.equal(r.status, 'error');
    assert.match(r.error, /resolves outside the schemes directory/);
    assert.deepEqual(readdirSync(elsewhere), []);
    writeFileSync(join(elsewhere, 'secret.yaml'), 'password: x\n');
    symlinkSync(join(elsewhere, 'secret.yaml'), join(rw.config.schemes, 'peek.yaml'));
    const get = await request(RW, 'scheme/get', { file: 'peek.yaml' });
    assert.equal(get.status, 'error');
    assert.match(get.error, /resolves outside/);
  });

  test('scheme/put takes a file of exactly the size limit and refuses one byte more', async () => {
    const head = 'outputs:\n  - { id: big, driver: gpio-out, pin: 24 }\n';
    const pad = (n: number) => `${head}#${'x'.repeat(n - head.length - 2)}\n`;
    const atLimit = pad(MAX_SCHEME_FILE_BYTES);
    assert.equal(Buffer.byteLength(atLimit), MAX_SCHEME_FILE_BYTES);
    const ok = await request(RW, 'scheme/put', { file: 'big.yaml', yaml: atLimit });
    assert.equal(ok.status, 'ok', ok.error);
    assert.equal(readFileSync(join(rw.config.schemes, 'big.yaml'), 'utf8').length, MAX_SCHEME_FILE_BYTES);
    const over = await request(RW, 'scheme/put', { file: 'big.yaml', yaml: pad(MAX_SCHEME_FILE_BYTES + 1) });
    assert.equal(over.status, 'error');
    assert.match(over.error, /yaml of 1048577 bytes is over the limit of 1 MiB/);
    assert.equal(readFileSync(join(rw.config.schemes, 'big.yaml'), 'utf8'), atLimit);
    assert.equal((await request(RW, 'scheme/delete', { file: 'big.yaml' })).status, 'ok');
  });

  test('a scheme/put payload may be up to 1 MiB + 64 KiB; other requests stay at 64 KiB', async () => {
    const limit = MAX_SCHEME_FILE_BYTES + 64 * 1024;
    const since = broker.probe.mark();
    const payload = (size: number) => {
      const head = JSON.stringify({ file: 'huge.yaml', transaction: 'huge', yaml: '' }).slice(0, -2);
      return `${head}${'#'.repeat(size - head.length - 2)}"}`;
    };
    assert.equal(Buffer.byteLength(payload(limit)), limit);
    await broker.probe.publish(`han/${RW}/$request/scheme/put`, payload(limit));
    const atLimit = JSON.parse((await broker.probe.waitFor(`han/${RW}/$response/scheme/put`, () => true, 10_000, since)).payload);
    assert.match(atLimit.error, /^yaml of \d+ bytes is over the limit of 1 MiB/, 'read, and refused by the file limit');
    const next = broker.probe.mark();
    await broker.probe.publish(`han/${RW}/$request/scheme/put`, payload(limit + 1));
    const over = JSON.parse((await broker.probe.waitFor(`han/${RW}/$response/scheme/put`, () => true, 10_000, next)).payload);
    assert.equal(over.error, `payload of ${limit + 1} bytes is over the limit of 1088 KiB; refused without reading it`);
    const get = broker.probe.mark();
    await broker.probe.publish(`han/${RW}/$request/scheme/get`, JSON.stringify({ file: 'fan.yaml', pad: 'x'.repeat(64 * 1024) }));
    const big = JSON.parse((await broker.probe.waitFor(`han/${RW}/$response/scheme/get`, () => true, 10_000, get)).payload);
    assert.match(big.error, /over the limit of 64 KiB/);
  });

  test('scheme/get returns a file, and says when there is none', async () => {
    const r = await request(RW, 'scheme/get', { file: 'fan.yaml' });
    assert.deepEqual(r.data, { file: 'fan.yaml', yaml: FAN, bytes: Buffer.byteLength(FAN) });
    const missing = await request(RW, 'scheme/get', { file: 'nope.yaml' });
    assert.equal(missing.status, 'error');
    assert.match(missing.error, /no scheme file nope\.yaml/);
  });

  test('a reload asked for while an edit changes a file waits for the edit: the edit\'s answer says what it did', async () => {
    const file = join(rw.config.schemes, 'race.yaml');
    let between: Promise<unknown> | undefined;
    const edit = await rw.agent.schemes.reload(async () => {
      writeFileSync(file, 'outputs:\n  - { id: race-lamp, driver: gpio-out, pin: 22 }\n');
      // What the file watcher does when it sees the change before the edit's own reload runs.
      between = rw.agent.schemes.reload();
    });
    assert.deepEqual(edit.started, ['race-lamp']);
    assert.deepEqual((await between as { started: string[] }).started, [], 'the reload asked for meanwhile found nothing left to do');
    const removed = await rw.agent.schemes.reload(async () => rmSync(file));
    assert.deepEqual(removed.stopped, ['race-lamp']);
  });

  test('scheme/delete refuses to break a rule that uses the file, and removes a file otherwise', async () => {
    const refused = await request(RW, 'scheme/delete', { file: 'fan.yaml' });
    assert.equal(refused.status, 'error');
    assert.match(refused.error, /removing fan\.yaml would make other scheme files invalid; nothing was deleted/);
    assert.ok(refused.data.problems.some((p: string) => p.startsWith('rules.yaml:')), JSON.stringify(refused.data.problems));
    assert.equal(existsSync(join(rw.config.schemes, 'fan.yaml')), true);
    const since = broker.probe.mark();
    const r = await request(RW, 'scheme/delete', { file: 'rooms/hall.yaml' });
    assert.equal(r.status, 'ok', r.error);
    assert.deepEqual(r.data.reload.stopped, ['lamp']);
    assert.equal(existsSync(join(rw.config.schemes, 'rooms/hall.yaml')), false);
    assert.equal(rw.agent.schemes.has('lamp'), false);
    await broker.probe.waitFor(`han/${RW}/lamp`, (p) => p === '', 3_000, since);
    const again = await request(RW, 'scheme/delete', { file: 'rooms/hall.yaml' });
    assert.equal(again.status, 'error');
    assert.match(again.error, /no scheme file rooms\/hall\.yaml/);
  });

  test('backup holds the schemes, the config without secrets, and the state', async () => {
    await request(RW, 'read', { id: 'fan' }).catch(() => undefined);
    const r = await request(RW, 'backup');
    assert.equal(r.status, 'ok', r.error);
    const b = r.data;
    assert.equal(b.node, RW);
    assert.deepEqual(b.schemes.map((s: { file: string }) => s.file).sort(), ['fan.yaml', 'rules.yaml']);
    assert.match(b.config.yaml, /^# the hall node/);
    assert.match(b.config.yaml, /password: <redacted>/);
    assert.match(b.config.yaml, /url: mqtt:\/\/hall:\*\*\*@hub\.local:1883/);
    assert.match(b.config.yaml, /token: !secret http_token/);
    const text = JSON.stringify(b);
    assert.doesNotMatch(text, /hunter2|s3cr3t-in-clear|the-token-value/);
    assert.equal(typeof b.state.states, 'object');
    assert.ok('overrides' in b.state);
  });

  test('a request for an unknown grouped operation is answered', async () => {
    const r = await request(RW, 'scheme/frob', {});
    assert.equal(r.status, 'error');
    assert.match(r.error, /unknown operation 'scheme\/frob'/);
  });
});
