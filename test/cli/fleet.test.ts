/**
 * `hanode fleet` with three agents on one private Mosquitto, each a real `hanode run` process:
 * all three listed online; one killed with SIGKILL shows `offline` (its last will); started
 * again, it is `online` again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Mosquitto } from '../helpers/mosquitto.js';
import { useBroker } from '../helpers/broker-fixture.js';
import { hanode, start } from '../cli/hanode.js';
import { describeFleet, readFleet, type FleetNode } from '../../src/cli/fleet.js';
import { version } from '../../src/version.js';

const NODES = ['fleet-a', 'fleet-b', 'fleet-c'];
const broker = useBroker({ probe: 'han/+/status' });
const dirs = new Map<string, string>();
const procs = new Map<string, ChildProcess>();
const output = new Map<string, string>();

/** A node directory: hanode.yaml pointing at the test broker, sim hardware, one input and one output. */
function nodeDir(node: string, url: string): string {
  const dir = mkdtempSync(join(tmpdir(), `hanode-${node}-`));
  mkdirSync(join(dir, 'schemes'));
  writeFileSync(join(dir, 'hanode.yaml'), `node: { id: ${node} }\nmqtt: { url: "${url}" }\nhardware: sim\nlog_level: warn\n`);
  writeFileSync(join(dir, 'schemes', 'pi.yaml'), 'inputs:\n  - id: health\n    driver: system\n    interval: 60s\noutputs:\n  - id: lamp\n    driver: gpio-out\n    pin: 17\n');
  return dir;
}

async function startNode(node: string): Promise<void> {
  const since = broker.probe.mark();
  const proc = start(['run'], { cwd: dirs.get(node)! });
  procs.set(node, proc);
  output.set(node, '');
  proc.stdout!.on('data', (d) => output.set(node, output.get(node) + d));
  proc.stderr!.on('data', (d) => output.set(node, output.get(node) + d));
  await broker.probe.waitFor(`han/${node}/status`, (p) => p === 'online', 30_000, since).catch((err) => {
    throw new Error(`${node} did not come online: ${err.message}\n${output.get(node)}`);
  });
}

broker.before(async () => {
  for (const node of NODES) dirs.set(node, nodeDir(node, broker.url));
  await Promise.all(NODES.map(startNode));
});

broker.after(() => {
  for (const proc of procs.values()) proc.kill('SIGKILL');
});

const byNode = (nodes: FleetNode[]) => Object.fromEntries(nodes.map((n) => [n.node, n]));

test('hanode fleet --json lists the three nodes online, with version and schemes', async () => {
  const r = await hanode(['fleet', '--mqtt', broker.url, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const listed = JSON.parse(r.stdout) as { broker: string; base_topic: string; nodes: FleetNode[] };
  assert.equal(listed.base_topic, 'han');
  assert.deepEqual(listed.nodes.map((n) => [n.node, n.status]), NODES.map((n) => [n, 'online']));
  for (const n of listed.nodes) {
    assert.equal(n.version, version);
    assert.equal(n.hardware, 'sim');
    assert.deepEqual([n.inputs, n.outputs], [['health'], ['lamp']]);
    assert.ok(n.started && Date.parse(n.started) <= Date.now());
    assert.ok(n.last_seen && Date.now() - Date.parse(n.last_seen) < 10_000, 'an online node was seen just now');
  }
});

test('a node killed with SIGKILL shows offline (its last will), and online again once restarted', async () => {
  const since = broker.probe.mark();
  procs.get('fleet-b')!.kill('SIGKILL');
  await broker.probe.waitFor('han/fleet-b/status', (p) => p === 'offline', 10_000, since);

  let nodes = byNode(await readFleet({ url: broker.url, base: 'han', waitMs: 500 }));
  assert.deepEqual(
    NODES.map((n) => nodes[n]?.status),
    ['online', 'offline', 'online'],
  );
  // Offline: last seen is the latest time its $info vouches for, not now.
  assert.equal(nodes['fleet-b']!.last_seen, nodes['fleet-b']!.started);
  const table = describeFleet(Object.values(nodes), broker.url);
  assert.match(table, /^NODE\s+STATUS\s+VERSION\s+HARDWARE\s+INPUTS\s+OUTPUTS\s+STARTED\s+LAST SEEN\n/);
  assert.match(table, /\nfleet-b\s+offline\s+\S+\s+sim\s+1\s+1\s+\S+\s+\d+ s ago\n/);

  await startNode('fleet-b');
  nodes = byNode(await readFleet({ url: broker.url, base: 'han', waitMs: 500 }));
  assert.deepEqual(
    NODES.map((n) => nodes[n]?.status),
    ['online', 'online', 'online'],
  );
});

test('hanode fleet prints a table; a base topic with no nodes says so; no broker is an error with a reason', async () => {
  const table = await hanode(['fleet', '--mqtt', broker.url, '--wait', '200ms'], { cwd: tmpdir() });
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /\nfleet-a\s+online\s+.*\s+now\n/);
  const other = await readFleet({ url: broker.url, base: 'elsewhere', waitMs: 200 });
  assert.deepEqual(other, []);
  assert.equal(describeFleet(other, 'x'), 'no hanode nodes seen on x\n');
  const gone = await Mosquitto.start();
  const url = gone.url;
  await gone.stop();
  await assert.rejects(readFleet({ url, base: 'han', waitMs: 200 }), /cannot read the fleet from mqtt:\/\/127\.0\.0\.1:\d+/);
});
