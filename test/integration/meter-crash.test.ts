/**
 * A water meter's total never goes backwards across a power cut: the total a reading shows is on
 * disk before the reading goes out, so after `kill -9` the meter resumes from at least the last
 * total anyone saw (Home Assistant would take a drop for a meter reset).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBroker } from '../helpers/broker-fixture.js';
import { nodeDir, spawnNode } from '../helpers/node.js';

const broker = useBroker();

const N = 'meter-pi';
const T = (s: string) => `han/${N}/${s}`;

test('kill -9 while pulses arrive: the first total after the restart is at least the last one published', async () => {
  const config = nodeDir({
    url: broker.url,
    node: N,
    schemes: { 'water.yaml': 'inputs:\n  - { id: water, driver: pulse-counter, pin: 22, debounce: 5ms, multiplier: 0.5, interval: 100ms }\n' },
  });
  config.log_level = 'warn';
  const totals = () =>
    broker.probe
      .on(T('water'))
      .map((m) => JSON.parse(m.payload).total as number)
      .filter((t) => typeof t === 'number');

  const first = spawnNode(config);
  await first.started;
  // Pulses keep coming in bursts, so readings with new totals are going out when the kill lands.
  for (let i = 0; i < 12; i++) {
    await broker.probe.publish(T('$sim/water/set'), '{"pulses":4}');
    await new Promise((r) => setTimeout(r, 120));
  }
  await broker.probe.waitForState(T('water'), (s) => s.total >= 10, 10_000);
  await first.kill9();
  const before = totals();
  const lastSeen = Math.max(...before);
  assert.ok(lastSeen > 0, `totals before the kill: ${before.join(', ')}`);

  const since = broker.probe.mark();
  const restarted = Date.now();
  const second = spawnNode(config);
  try {
    await second.started;
    // Readings kept in the outbox from before the kill may come again (delivery is at-least-once): look at new ones.
    const after = await broker.probe.waitForState(T('water'), (s) => Date.parse(s.ts) >= restarted, 10_000, since);
    assert.ok(after.total >= lastSeen, `after the restart the total is ${after.total}, below the ${lastSeen} published before the kill`);
  } finally {
    second.proc.kill('SIGTERM');
    await second.exited;
  }
});
