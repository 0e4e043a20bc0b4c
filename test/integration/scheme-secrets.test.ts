/**
 * A secret in a scheme file on a running node (README "Secrets in scheme files"): the scheme
 * uses it, and it is in nothing the node says: not its log, not `$error`, not a `$response`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Mosquitto } from '../helpers/mosquitto.js';
import { Probe } from '../helpers/probe.js';
import { pino } from 'pino';
import { ask, nodeDir, startNode } from '../helpers/node.js';
import { hidingHooks } from '../../src/core/log.js';

const N = 'secret-pi';

test('a !secret URL in a scheme works and is never shown: log, $error and $response hide it', async (t) => {
  const mosquitto = await Mosquitto.start();
  t.after(() => mosquitto.stop());
  const probe = await Probe.connect(mosquitto.url);
  t.after(() => probe.close());
  // Port 9 on loopback refuses: the driver fails, and its error quotes the URL.
  const scheme = 'inputs:\n  - { id: weather, driver: http-json, url: !secret weather_url, fields: { t: $.t }, interval: 10m }\n';
  const config = nodeDir({ url: mosquitto.url, node: N, schemes: { 'weather.yaml': scheme } });
  writeFileSync(join(config.dir, 'secrets.yaml'), 'weather_url: http://127.0.0.1:9/v1/hunter2-station/current\n');
  // As `hanode run` does: the logger hides the config's sensitive values, a list the scheme loader adds to.
  config.sensitive = [];
  const written: string[] = [];
  const log = pino({ level: 'info', base: undefined, hooks: hidingHooks(config.sensitive) }, { write: (s: string) => void written.push(s) });
  const agent = await startNode(config, log);
  t.after(() => agent.stop());
  await probe.waitFor(`han/${N}/weather/availability`, (p) => p === 'offline', 10_000);

  const answer = await ask(probe, N, 'schemes');
  const weather = answer.data.schemes.find((s: { id: string }) => s.id === 'weather');
  assert.equal(weather.online, false);
  assert.match(weather.error, /^GET \*\*\*: /, 'the error is there, the URL is not');
  assert.ok(written.some((l) => /weather: read failed: GET \*\*\*: bad port/.test(l)), 'the failure is logged, without the URL');
  const everything = [...probe.messages.map((m) => m.payload), ...written].join('\n');
  assert.doesNotMatch(everything, /hunter2/);
});
