/** The plugin API: the example plugin end to end, and plugins that do not fit. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { loadPlugins } from '../../src/core/plugins.js';
import { silentLogger } from '../../src/core/log.js';
import { loadSchemeTexts } from '../../src/schemes/loader.js';
import { schemeJsonSchema } from '../../src/schemes/json-schema.js';
import { Agent } from '../../src/agent/agent.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { Probe } from '../helpers/probe.js';
import { dewPoint } from '../../examples/plugins/dew-point.js';
import { builtins } from '../helpers/drivers.js';

const EXAMPLE = resolve('examples/plugins/dew-point.js');

test('the example plugin joins the registry, validation and the JSON Schema', async () => {
  const { registry, problems } = await loadPlugins([EXAMPLE], process.cwd(), builtins, silentLogger);
  assert.deepEqual(problems, []);
  assert.ok(registry.inputs['dew-point']);
  assert.ok(registry.inputs.bme280, 'built-ins stay');
  const ok = loadSchemeTexts([{ file: 'a.yaml', text: 'inputs:\n  - { id: dp, driver: dew-point, source: climate, interval: 10s }\n' }], registry);
  assert.deepEqual(ok.problems, []);
  assert.equal(ok.inputs[0].options.interval, 10_000);
  const bad = loadSchemeTexts([{ file: 'b.yaml', text: 'inputs:\n  - { id: dp, driver: dew-point, sorce: climate }\n' }], registry);
  assert.ok(bad.problems.some((p) => /unknown option 'sorce' for driver dew-point; did you mean 'source'/.test(p.message)), JSON.stringify(bad.problems));
  const schema = JSON.stringify(schemeJsonSchema(registry));
  assert.match(schema, /"const":"dew-point"/);
  // Without the plugin the same file is an unknown driver.
  assert.ok(loadSchemeTexts([{ file: 'a.yaml', text: 'inputs:\n  - { id: dp, driver: dew-point, source: climate }\n' }], builtins).problems.length > 0);
});

test('the dew point formula matches a published value (20 °C, 50 %RH → 9.26 °C)', () => {
  assert.ok(Math.abs(dewPoint(20, 50) - 9.26) < 0.01, String(dewPoint(20, 50)));
});

test('plugins that do not load or do not fit are reported and left out', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hanode-plugins-'));
  writeFileSync(join(dir, 'broken.js'), 'export const x = ;\n');
  writeFileSync(join(dir, 'shape.js'), "export const d = { name: 'Bad Name', direction: 'sideways' };\n");
  writeFileSync(join(dir, 'clash.js'), "import { dewPointDriver } from '" + EXAMPLE + "';\nexport const d = { ...dewPointDriver, name: 'bme280' };\n");
  const { registry, problems } = await loadPlugins(['broken.js', 'shape.js', 'clash.js', 'missing.js'], dir, builtins, silentLogger);
  assert.ok(problems.some((p) => p.includes('broken.js: cannot load plugin')), problems.join('\n'));
  assert.ok(problems.some((p) => p.includes("shape.js: export 'd': name:")));
  assert.ok(problems.some((p) => p.includes("shape.js: export 'd': direction:")));
  assert.ok(problems.some((p) => p.includes("clash.js: export 'd': a driver named 'bme280' already exists")));
  assert.ok(problems.some((p) => p.includes('missing.js: cannot load plugin')));
  assert.deepEqual(Object.keys(registry.inputs).sort(), Object.keys(builtins.inputs).sort());
});

test('hanode drivers -c lists a plugin from hanode.yaml', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hanode-plugins-cli-'));
  writeFileSync(join(dir, 'hanode.yaml'), `plugins: [${EXAMPLE}]\n`);
  const r = spawnSync(process.execPath, ['bin/hanode.js', 'drivers', '--json', '-c', join(dir, 'hanode.yaml')], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  const names = JSON.parse(r.stdout).map((d: { name: string }) => d.name);
  assert.ok(names.includes('dew-point'));
});

test('the example plugin runs in an agent and publishes over MQTT', async () => {
  const mosquitto = await Mosquitto.start();
  const probe = await Probe.connect(mosquitto.url);
  const dir = mkdtempSync(join(tmpdir(), 'hanode-plugins-run-'));
  const schemes = join(dir, 'schemes');
  spawnSync('mkdir', ['-p', schemes]);
  writeFileSync(join(schemes, 'a.yaml'), [
    'inputs:',
    '  - { id: climate, driver: bme280, interval: 200ms }',
    '  - { id: dew, driver: dew-point, source: climate, interval: 200ms }',
  ].join('\n'));
  const { registry } = await loadPlugins([EXAMPLE], process.cwd(), builtins, silentLogger);
  const agent = new Agent({
    config: {
      node: { id: 'plug' }, base_topic: 'han', mqtt: { url: mosquitto.url, keepalive: 30 }, broker: { host: '127.0.0.1', port: 1883 },
      schemes, data: join(dir, 'data'), hardware: 'sim', log_level: 'silent', bridges: [], plugins: [EXAMPLE],
      outbox: { max_messages: 1000, max_bytes: 1 << 20, drain_rate: 1000 }, homeassistant: { discovery: true, prefix: 'homeassistant' }, dir,
    },
    registry, log: silentLogger, retry: { min: 100, max: 200 },
  });
  try {
    await agent.start();
    const since = probe.mark();
    await probe.publish('han/plug/$sim/climate/set', '{"temperature":20,"humidity":50}');
    const s = await probe.waitForState('han/plug/dew', (s) => Math.abs(s.dew_point - 9.26) < 0.02, 5_000, since);
    assert.ok(Math.abs(s.dew_point - 9.26) < 0.02);
  } finally {
    await agent.stop();
    await probe.close();
    await mosquitto.stop();
  }
});
