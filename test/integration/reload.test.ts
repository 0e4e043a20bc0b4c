/** Hot reload over MQTT: add, break, fix and delete a scheme file while the agent runs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Mosquitto } from '../helpers/mosquitto.js';
import { Probe } from '../helpers/probe.js';
import { startAgent } from '../helpers/agent.js';

const N = 'reload-pi';
const T = (s: string) => `han/${N}/${s}`;

test('a scheme file added, broken, fixed and deleted is applied as a diff', async () => {
  const mosquitto = await Mosquitto.start();
  const probe = await Probe.connect(mosquitto.url, ['han/#', 'homeassistant/#']);
  const { agent, config } = await startAgent({
    url: mosquitto.url,
    node: N,
    schemes: { 'base.yaml': 'outputs:\n  - { id: fan, driver: gpio-out, pin: 27 }\n' },
  });
  try {
    await probe.waitFor(T('status'), (p) => p === 'online');
    await probe.waitForState(T('fan'), (s) => s.state === 'OFF');
    const file = join(config.schemes, 'new.yaml');

    // Added: its state appears within 2 s; the fan is not restarted.
    const fanStates = () => probe.on(T('fan')).length;
    const fanBefore = fanStates();
    let since = probe.mark();
    writeFileSync(file, 'inputs:\n  - { id: attic, driver: bme280, interval: 300ms }\n');
    const t0 = Date.now();
    await probe.waitForState(T('attic'), (s) => typeof s.temperature === 'number', 2_000, since);
    assert.ok(Date.now() - t0 < 2_000);
    const discovery = `homeassistant/sensor/${N}/attic_temperature/config`;
    await probe.waitFor(discovery, (p) => JSON.parse(p).unique_id === `hanode_${N}_attic_temperature`, 3_000, since);
    assert.equal(fanStates(), fanBefore, 'the untouched output was not restarted');

    // Broken: the old version keeps publishing and $error says why.
    since = probe.mark();
    writeFileSync(file, 'inputs:\n  - { id: attic, driver: bme280, intervall: 300ms }\n');
    const err = await probe.waitFor(T('$error'), (p) => JSON.parse(p).topic.endsWith('new.yaml'), 3_000, since);
    assert.match(JSON.parse(err.payload).error, /new\.yaml:2:\d+: unknown option 'intervall'.*did you mean 'interval'/);
    const after = probe.mark();
    await probe.waitForState(T('attic'), () => true, 2_000, after);
    assert.equal(agent.schemes.get('attic')?.scheme.options.interval, 300);

    // Fixed with a change: it applies (the interval changes).
    since = probe.mark();
    writeFileSync(file, 'inputs:\n  - { id: attic, driver: bme280, interval: 1s }\n');
    const deadline = Date.now() + 3_000;
    while (agent.schemes.get('attic')?.scheme.options.interval !== 1_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(agent.schemes.get('attic')?.scheme.options.interval, 1_000);

    // Deleted: the scheme stops and its retained state and availability are cleared.
    since = probe.mark();
    unlinkSync(file);
    await probe.waitFor(T('attic'), (p, m) => p === '' && m.seq >= since, 3_000, since);
    await probe.waitFor(T('attic/availability'), (p) => p === '', 3_000, since);
    await probe.waitFor(`homeassistant/sensor/${N}/attic_temperature/config`, (p) => p === '', 3_000, since);
    assert.equal(agent.schemes.get('attic'), undefined);
    const fresh = await Probe.connect(mosquitto.url, T('attic'));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(fresh.on(T('attic')).length, 0, 'no retained state is left');
    await fresh.close();
  } finally {
    await agent.stop();
    await probe.close();
    await mosquitto.stop();
  }
});

test('a change to hanode.yaml is reported as needing a restart, and nothing restarts', async () => {
  const { mkdtempSync, mkdirSync, writeFileSync: write } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { loadConfig } = await import('../../src/config/config.js');
  const { builtinRegistry } = await import('../../src/cli/registry.js');
  const { silentLogger } = await import('../../src/core/log.js');
  const { Agent } = await import('../../src/agent/agent.js');
  const mosquitto = await Mosquitto.start();
  const probe = await Probe.connect(mosquitto.url);
  const dir = mkdtempSync(join(tmpdir(), 'hanode-config-watch-'));
  mkdirSync(join(dir, 'schemes'));
  write(join(dir, 'schemes', 'a.yaml'), 'outputs:\n  - { id: fan, driver: gpio-out, pin: 27 }\n');
  const file = join(dir, 'hanode.yaml');
  write(file, `node: { id: cfg-pi }\nmqtt: { url: ${mosquitto.url} }\nhardware: sim\n`);
  const agent = new Agent({ config: await loadConfig({ config: file }), registry: builtinRegistry(), log: silentLogger });
  try {
    await agent.start();
    await probe.waitFor('han/cfg-pi/status', (p) => p === 'online');
    const since = probe.mark();
    write(file, `node: { id: cfg-pi }\nmqtt: { url: ${mosquitto.url} }\nhardware: sim\nlog_level: debug\n`);
    const err = await probe.waitFor('han/cfg-pi/$error', (p) => JSON.parse(p).topic === file, 3_000, since);
    assert.match(JSON.parse(err.payload).error, /take effect after a restart/);
    assert.equal(probe.on('han/cfg-pi/fan').filter((m) => m.seq >= since).length, 0, 'no scheme restarted');
  } finally {
    await agent.stop();
    await probe.close();
    await mosquitto.stop();
  }
});
