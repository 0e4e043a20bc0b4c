/** `management:` in hanode.yaml (README "Managing nodes without SSH"): off by default, checked like every key. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/config.js';

function configFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'hanode-mgmt-config-'));
  writeFileSync(join(dir, 'hanode.yaml'), text);
  return join(dir, 'hanode.yaml');
}

test('remote management is off unless hanode.yaml turns it on', async () => {
  assert.deepEqual((await loadConfig({ config: configFile('node: { id: a }\n') }, {})).management, { remote: false });
  assert.deepEqual((await loadConfig({ config: configFile('management: { remote: true }\n') }, {})).management, { remote: true });
});

test('a misspelt key or a non-boolean is a problem at its place', async () => {
  const file = configFile('management:\n  remot: true\n');
  await assert.rejects(loadConfig({ config: file }, {}), (err: ConfigError) => {
    assert.deepEqual(err.problems, [`${file}:2:3: unknown key 'remot' in management; did you mean 'remote'?`]);
    return true;
  });
  const bad = configFile('management: { remote: "yes please" }\n');
  await assert.rejects(loadConfig({ config: bad }, {}), (err: ConfigError) => {
    assert.match(err.problems[0]!, /:1:23: management\.remote: expected a boolean, got "yes please"/);
    return true;
  });
});
