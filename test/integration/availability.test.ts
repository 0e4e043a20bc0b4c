/**
 * Availability over MQTT for inputs whose start never touches the device (system, mcp3008): a
 * failing device takes the scheme offline once and keeps it there, however often it is retried;
 * it comes back online once, with its first good reading.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBroker } from '../helpers/broker-fixture.js';
import { nodeDir, startNode } from '../helpers/node.js';

const broker = useBroker();

const N = 'avail-pi';
const T = (s: string) => `han/${N}/${s}`;

test('a failing system and mcp3008 input stay offline without flapping, and come back online once', async () => {
  const config = nodeDir({
    url: broker.url,
    node: N,
    schemes: {
      'a.yaml': `
inputs:
  - { id: pi, driver: system, interval: 100ms }
  - { id: tank, driver: mcp3008, channel: 0, interval: 100ms }
`,
    },
  });
  const agent = await startNode(config);
  try {
    for (const id of ['pi', 'tank']) await broker.probe.waitForState(T(id), () => true);
    const since = broker.probe.mark();
    for (const id of ['pi', 'tank']) await broker.probe.publish(T(`$sim/${id}/set`), '{"fail":true}');
    for (const id of ['pi', 'tank']) await broker.probe.waitFor(T(`${id}/availability`), (p) => p === 'offline', 5_000, since);
    // Retries run (at 100 ms growing to 400 ms in tests) while the device keeps failing.
    await new Promise((r) => setTimeout(r, 2_500));
    const failing = broker.probe.mark();
    for (const id of ['pi', 'tank']) {
      const seen = broker.probe.on(T(`${id}/availability`)).filter((m) => m.seq >= since).map((m) => m.payload);
      assert.deepEqual(seen, ['offline'], `${id} availability while failing: ${seen.join(', ')}`);
      const status = agent.schemes.get(id)!.runtime.status(true, 'input');
      assert.ok(status.failures >= 3, `${id} was retried ${status.failures} time(s)`);
    }
    for (const id of ['pi', 'tank']) await broker.probe.publish(T(`$sim/${id}/set`), '{"fail":false}');
    for (const id of ['pi', 'tank']) await broker.probe.waitForState(T(id), () => true, 5_000, failing);
    await new Promise((r) => setTimeout(r, 500));
    for (const id of ['pi', 'tank']) {
      const seen = broker.probe.on(T(`${id}/availability`)).filter((m) => m.seq >= failing).map((m) => m.payload);
      assert.deepEqual(seen, ['online'], `${id} availability after the fault cleared: ${seen.join(', ')}`);
      const online = broker.probe.on(T(`${id}/availability`)).find((m) => m.seq >= failing)!;
      const state = broker.probe.on(T(id)).find((m) => m.seq >= failing)!;
      assert.ok(online.seq < state.seq, `${id}: online comes with the first good reading, before its state`);
    }
  } finally {
    await agent.stop();
  }
});
