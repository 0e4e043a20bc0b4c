/**
 * Message hooks: plugins see every message received and published; one that throws, rejects or
 * runs past 100 ms is logged and counted, and delivery goes on. The example CSV plugin end to end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MessageHooks, type HookMessage } from '../../src/core/message-hooks.js';
import { loadPlugins } from '../../src/core/plugins.js';
import { builtinRegistry } from '../../src/cli/registry.js';
import { silentLogger } from '../../src/core/log.js';
import { Agent } from '../../src/agent/agent.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { Probe } from '../helpers/probe.js';
import { nodeDir, recordingLogger } from '../helpers/node.js';
import { MqttLink } from '../../src/mqtt/link.js';
import { eventually } from '../http/helpers.js';

const busy = (ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end);
};

test('a hook that throws, rejects or runs past 100 ms is counted and logged; the others still run', async () => {
  const { log, lines } = recordingLogger('warn');
  const seen: HookMessage[] = [];
  const hooks = new MessageHooks(
    [
      { source: 'thrower.js', onMessageReceived: () => { throw new Error('boom'); } },
      { source: 'slow.js', onMessageReceived: () => busy(120) },
      { source: 'late.js', onMessageSent: () => new Promise((r) => setTimeout(r, 150)) },
      { source: 'rejects.js', onMessageSent: () => Promise.reject(new Error('nope')) },
      { source: 'good.js', onMessageReceived: (m) => void seen.push(m), onMessageSent: (m) => void seen.push(m) },
    ],
    log,
  );
  hooks.received('a/b', Buffer.from('1'));
  hooks.sent('c/d', Buffer.from('2'));
  assert.deepEqual(seen.map((m) => [m.topic, m.payload.toString()]), [['a/b', '1'], ['c/d', '2']]);
  assert.equal(typeof seen[0].ts, 'number');
  await new Promise((r) => setTimeout(r, 250));
  assert.deepEqual(hooks.counts, {
    onMessageReceived: { calls: 3, errors: 1, slow: 1 },
    onMessageSent: { calls: 3, errors: 1, slow: 1 },
  });
  const messages = lines().map((l) => l.msg).join('\n');
  assert.match(messages, /thrower\.js: onMessageReceived threw on a\/b: boom/);
  assert.match(messages, /slow\.js: onMessageReceived took \d+ ms on a\/b \(limit 100 ms\)/);
  assert.match(messages, /late\.js: onMessageSent on c\/d still running after 100 ms/);
  assert.match(messages, /rejects\.js: onMessageSent failed on c\/d: nope/);
});

test('a module exporting only hooks loads; a hook that is not a function is reported', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hanode-hooks-'));
  writeFileSync(join(dir, 'only-hooks.mjs'), 'export function onMessageSent() {}\n');
  writeFileSync(join(dir, 'wrong.mjs'), 'export const onMessageReceived = 42;\n');
  const { hooks, problems } = await loadPlugins(['only-hooks.mjs', 'wrong.mjs'], dir, builtinRegistry(), silentLogger);
  assert.deepEqual(hooks.map((h) => [h.source.endsWith('only-hooks.mjs'), typeof h.onMessageSent, h.onMessageReceived]), [[true, 'function', undefined]]);
  assert.equal(problems.length, 2, problems.join('\n'));
  assert.match(problems[0], /wrong\.mjs: export 'onMessageReceived': expected a function/);
  assert.match(problems[1], /wrong\.mjs: exports no driver definition .* and no message hook/);
});

test('the CSV example logs what the node receives and publishes; a throwing plugin beside it breaks nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hanode-csv-'));
  const csv = join(dir, 'messages.csv');
  process.env.HANODE_CSV_LOG = csv;
  writeFileSync(join(dir, 'bad.mjs'), 'export function onMessageReceived() { throw new Error("bad plugin"); }\nexport function onMessageSent() { throw new Error("bad plugin"); }\n');
  const { hooks, problems } = await loadPlugins([resolve('examples/plugins/csv-log.js'), join(dir, 'bad.mjs')], dir, builtinRegistry(), silentLogger);
  assert.deepEqual(problems, []);
  const mosquitto = await Mosquitto.start();
  const probe = await Probe.connect(mosquitto.url);
  const config = nodeDir({ url: mosquitto.url, node: 'h-node', schemes: { 'o.yaml': 'outputs:\n  - { id: relay, driver: gpio-out, pin: 22 }\n' } });
  const agent = new Agent({ config, registry: builtinRegistry(), log: silentLogger, hooks, retry: { min: 100, max: 400 } });
  try {
    await agent.start();
    await probe.waitFor('han/h-node/status', (p) => p === 'online');
    const since = probe.mark();
    await probe.publish('han/h-node/relay/set', 'ON');
    // Delivery went on despite the throwing plugin: the command ran and its state was published.
    await probe.waitForState('han/h-node/relay', (s) => s.state === 'ON', 5_000, since);
    await eventually(() => {
      const rows = readFileSync(csv, 'utf8').trim().split('\n');
      assert.equal(rows[0], 'ts,direction,topic,payload,encoding');
      assert.ok(rows.some((r) => /^\d{4}-.*Z,received,han\/h-node\/relay\/set,ON,$/.test(r)), rows.join('\n'));
      assert.ok(rows.some((r) => /^\d{4}-.*Z,sent,han\/h-node\/relay,"\{""state"":""ON"",""ts"":"".*""\}",$/.test(r)), rows.join('\n'));
      assert.ok(rows.some((r) => /,sent,han\/h-node\/status,online,$/.test(r)));
    });
    const metrics = agent.metrics.render();
    assert.ok(Number(/^hanode_hook_errors_total\{hook="onMessageReceived"\} (\d+)$/m.exec(metrics)![1]) >= 1, metrics);
    assert.ok(Number(/^hanode_hook_errors_total\{hook="onMessageSent"\} (\d+)$/m.exec(metrics)![1]) >= 1);
  } finally {
    await agent.stop();
    await probe.close();
    await mosquitto.stop();
    delete process.env.HANODE_CSV_LOG;
  }
});

test('with overlapping subscriptions the hooks see each message once, while each handler gets it', async () => {
  const mosquitto = await Mosquitto.start();
  const link = new MqttLink({ clientId: 'hooks-overlap', will: { topic: 'o/status', payload: 'offline', retain: true, qos: 1 }, log: silentLogger });
  const received: string[] = [];
  const sent: string[] = [];
  link.setHooks({ received: (t, p) => void received.push(`${t}=${p}`), sent: (t, p) => void sent.push(`${t}=${p}`) });
  const wide: string[] = [];
  const narrow: string[] = [];
  try {
    await link.start({ url: mosquitto.url });
    link.subscribe('o/#', (t) => void wide.push(t));
    link.subscribe('o/+', (t) => void narrow.push(t));
    await new Promise((r) => setTimeout(r, 200));
    await link.publish('o/a', 'one', { qos: 1, retain: false });
    await link.publish('o/b/c', 'two', { qos: 1, retain: false });
    await eventually(() => assert.deepEqual([wide, narrow], [['o/a', 'o/b/c'], ['o/a']]));
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(received, ['o/a=one', 'o/b/c=two']);
    assert.deepEqual(sent, ['o/a=one', 'o/b/c=two']);
  } finally {
    await link.stop();
    await mosquitto.stop();
  }
});
