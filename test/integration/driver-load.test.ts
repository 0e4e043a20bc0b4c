/**
 * A built-in driver whose module cannot be loaded (a broken install) takes out the schemes that
 * use it and nothing else: they are reported on `$error` and in the log, and the node comes
 * online with every other scheme, those in the same file included.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBroker } from '../helpers/broker-fixture.js';
import { nodeDir, recordingLogger } from '../helpers/node.js';
import { Agent } from '../../src/agent/agent.js';
import { DriverRegistry } from '../../src/core/registry.js';
import { inputDrivers } from '../../src/drivers-in/index.js';
import { outputDrivers } from '../../src/drivers-out/index.js';

const broker = useBroker();

const N = 'broken-driver-pi';
const T = (s: string) => `han/${N}/${s}`;

test('a driver module that fails to load stops its own scheme only; the node runs the rest', async () => {
  const registry = new DriverRegistry({ inputs: { ...inputDrivers, bme280: { load: () => import('./no-such-driver-module.js' as string) } }, outputs: outputDrivers });
  const config = nodeDir({
    url: broker.url,
    node: N,
    schemes: {
      'kitchen.yaml': `
inputs:
  - { id: kitchen-climate, driver: bme280, bus: 1, interval: 100ms }
  - { id: pi, driver: system, interval: 100ms }
outputs:
  - { id: kitchen-fan, driver: gpio-out, pin: 27 }
`,
    },
  });
  const since = broker.probe.mark();
  const { log, lines } = recordingLogger('warn');
  const agent = new Agent({ config, registry, log, retry: { min: 100, max: 400 } });
  await agent.start();
  try {
    await broker.probe.waitFor(T('status'), (p) => p === 'online', 5_000, since);
    await broker.probe.waitForState(T('pi'), () => true, 5_000, since);
    await broker.probe.waitForState(T('kitchen-fan'), (s) => s.state === 'OFF', 5_000, since);
    const error = JSON.parse((await broker.probe.waitFor(T('$error'), (p) => p.includes('kitchen-climate'), 5_000, since)).payload);
    assert.match(error.error, /kitchen\.yaml:3:\d+: 'kitchen-climate' is not running: the bme280 driver could not be loaded: .*no-such-driver-module.*; the other schemes run$/);
    assert.ok(lines().some((l) => l.level === 50 && /'kitchen-climate' is not running: the bme280 driver could not be loaded/.test(l.msg)), 'logged as an error');
    assert.deepEqual(agent.schemes.all().map((r) => r.scheme.id).sort(), ['kitchen-fan', 'pi']);
    const info = JSON.parse((await broker.probe.waitFor(T('$info'), () => true, 5_000, since)).payload);
    assert.deepEqual(info.inputs, ['pi']);
    assert.equal(broker.probe.on(T('kitchen-climate')).filter((m) => m.seq >= since).length, 0);
  } finally {
    await agent.stop();
  }
});
