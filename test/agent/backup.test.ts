/** `$request/backup`'s content and its size bound (README "Managing nodes without SSH"). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeBackup } from '../../src/agent/backup.js';
import { emptyState } from '../../src/state/index.js';

function node() {
  const dir = mkdtempSync(join(tmpdir(), 'hanode-backup-'));
  mkdirSync(join(dir, 'schemes/rooms'), { recursive: true });
  writeFileSync(join(dir, 'schemes/a.yaml'), 'outputs:\n  - { id: fan, driver: gpio-out, pin: 27 }\n');
  writeFileSync(join(dir, 'schemes/rooms/b.yml'), 'inputs: []\n');
  writeFileSync(join(dir, 'schemes/notes.txt'), 'not a scheme');
  const outside = mkdtempSync(join(tmpdir(), 'hanode-backup-outside-'));
  writeFileSync(join(outside, 'x.yaml'), 'inputs: []\n');
  symlinkSync(join(outside, 'x.yaml'), join(dir, 'schemes/linked.yaml'));
  writeFileSync(join(dir, 'hanode.yaml'), 'mqtt: { password: hunter2 }\n');
  writeFileSync(join(dir, 'secrets.yaml'), 'mqtt_password: hunter3\n');
  const state = emptyState();
  state.states.fan = { state: { state: 'ON' }, ts: '2026-12-05T03:00:00.000Z' };
  return { dir, ctx: { node: 'n', schemesDir: join(dir, 'schemes'), configFile: join(dir, 'hanode.yaml'), sensitive: [], state: () => state } };
}

test('a backup holds the scheme files, the redacted config and the state; never secrets.yaml or files from outside', async () => {
  const { ctx } = node();
  const b = await makeBackup(ctx);
  assert.deepEqual(b.schemes.map((s) => s.file), ['a.yaml', 'rooms/b.yml']);
  assert.deepEqual(b.skipped, [{ file: 'linked.yaml', reason: 'links to a file outside the schemes directory' }]);
  assert.equal(b.config!.yaml, 'mqtt: { password: <redacted> }\n');
  assert.deepEqual(b.state.states.fan!.state, { state: 'ON' });
  assert.doesNotMatch(JSON.stringify(b), /hunter/);
});

test('a backup of exactly the limit is made, one byte less refuses it', async () => {
  const { ctx } = node();
  const { bytes } = await makeBackup(ctx);
  assert.equal((await makeBackup({ ...ctx, maxBytes: bytes })).bytes, bytes);
  await assert.rejects(makeBackup({ ...ctx, maxBytes: bytes - 1 }), /backup: over the limit of \d+ bytes at the state store; copy the schemes directory/);
});
