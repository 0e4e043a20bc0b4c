/**
 * `$request/restart` through `hanode run`'s runner (README "Managing nodes without SSH"): it
 * answers, stops every service cleanly (status `offline`), then either starts again in the same
 * process or, under systemd, exits with code 75 for the unit to start it again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useBroker } from '../helpers/broker-fixture.js';
import { runAgent, RESTART_EXIT_CODE, type RunningAgent } from '../../src/cli/run.js';

const broker = useBroker({ probe: ['han/#'] });
const running: RunningAgent[] = [];

broker.after(async () => {
  for (const r of running) await r.stop();
});

function nodeConfig(node: string, remote = true): string {
  const dir = mkdtempSync(join(tmpdir(), `hanode-${node}-`));
  mkdirSync(join(dir, 'schemes'));
  writeFileSync(join(dir, 'schemes', 'fan.yaml'), 'outputs:\n  - { id: fan, driver: gpio-out, pin: 27 }\n');
  writeFileSync(
    join(dir, 'hanode.yaml'),
    `node: { id: ${node} }\nmqtt: { url: "${broker.url}" }\nhardware: sim\nlog_level: silent\nmanagement: { remote: ${remote} }\n`,
  );
  return join(dir, 'hanode.yaml');
}

async function restartRequest(node: string): Promise<{ reply: Record<string, unknown>; since: number }> {
  const since = broker.probe.mark();
  await broker.probe.publish(`han/${node}/$request/restart`, JSON.stringify({ transaction: 'r1' }));
  const reply = await broker.probe.waitFor(`han/${node}/$response/restart`, () => true, 5_000, since);
  return { reply: JSON.parse(reply.payload), since };
}

test('outside systemd the node answers, goes offline, and starts again in the same process', async () => {
  const exits: number[] = [];
  const node = 'restart-here';
  const r = await runAgent({ config: nodeConfig(node) }, { env: {}, exit: (code) => void exits.push(code), signals: false });
  running.push(r);
  const first = r.agent();
  await broker.probe.waitFor(`han/${node}/status`, (p) => p === 'online');
  const { reply, since } = await restartRequest(node);
  assert.deepEqual(reply, { status: 'ok', data: { restarting: true }, transaction: 'r1' });
  const offline = await broker.probe.waitFor(`han/${node}/status`, (p) => p === 'offline', 5_000, since);
  await broker.probe.waitFor(`han/${node}/status`, (p) => p === 'online', 10_000, offline.seq + 1);
  await broker.probe.waitFor(`han/${node}/$info`, () => true, 5_000, offline.seq + 1);
  // The new agent says online before its last services (the scheme watcher) have started.
  for (let i = 0; i < 100 && r.restarts() === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(r.restarts(), 1);
  assert.notEqual(r.agent(), first);
  assert.equal(r.agent().schemes.has('fan'), true);
  assert.deepEqual(exits, []);
});

test('under systemd the node answers, goes offline, and exits with the restart code', async () => {
  const node = 'restart-systemd';
  let exited: (code: number) => void;
  const exit = new Promise<number>((resolve) => (exited = resolve));
  const r = await runAgent({ config: nodeConfig(node) }, { env: { INVOCATION_ID: 'abc' }, exit: (code) => exited(code), signals: false });
  await broker.probe.waitFor(`han/${node}/status`, (p) => p === 'online');
  const { reply, since } = await restartRequest(node);
  assert.equal(reply.status, 'ok');
  assert.equal(await exit, RESTART_EXIT_CODE);
  await broker.probe.waitFor(`han/${node}/status`, (p) => p === 'offline', 5_000, since);
  assert.equal(r.restarts(), 0);
});

test('a node without management.remote refuses the restart and keeps running', async () => {
  const node = 'restart-refused';
  const exits: number[] = [];
  const r = await runAgent({ config: nodeConfig(node, false) }, { env: { INVOCATION_ID: 'abc' }, exit: (code) => void exits.push(code), signals: false });
  running.push(r);
  await broker.probe.waitFor(`han/${node}/status`, (p) => p === 'online');
  const { reply } = await restartRequest(node);
  assert.equal(reply.status, 'error');
  assert.match(String(reply.error), /^restart: refused; .*management: \{ remote: true \}/);
  assert.deepEqual(exits, []);
  assert.equal(r.restarts(), 0);
});
