/** The history:, http: and time: sections of hanode.yaml: off unless present, FILE:LINE:COL errors, !secret token. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ConfigError } from '../../src/config/config.js';

function dirWith(yaml: string, secrets?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'hanode-httpcfg-'));
  writeFileSync(join(dir, 'hanode.yaml'), yaml);
  if (secrets) writeFileSync(join(dir, 'secrets.yaml'), secrets);
  return dir;
}

test('the sections are off unless present', async () => {
  const cfg = await loadConfig({}, {}, dirWith('node: { id: a }\n'));
  assert.equal(cfg.history, undefined);
  assert.equal(cfg.http, undefined);
  assert.equal(cfg.time, undefined);
});

test('values as in the README, with the token from secrets.yaml', async () => {
  const dir = dirWith(
    'history: { topics: ["han/+/+", "zigbee2mqtt/#"], retention: 7d, max_rows: 500000 }\nhttp: { host: 0.0.0.0, port: 8421, token: !secret http_token }\ntime: { publish_every: 1m }\n',
    'http_token: a-very-long-secret-token\n',
  );
  const cfg = await loadConfig({}, {}, dir);
  assert.deepEqual(cfg.history, { topics: ['han/+/+', 'zigbee2mqtt/#'], retention: 7 * 86_400_000, max_rows: 500_000, max_bytes: 1024 ** 3, series_blocks: true });
  assert.deepEqual(cfg.http, { host: '0.0.0.0', port: 8421, token: 'a-very-long-secret-token', max_callbacks: 100, max_concurrent: 64 });
  assert.deepEqual(cfg.time, { publish_every: 60_000 });
});

test('every problem at its FILE:LINE:COL, with did-you-mean, and the token never shown', async () => {
  const dir = dirWith('history:\n  topics: ["han/#/x"]\n  retension: 30d\nhttp:\n  host: 10.0.0.5\n  port: 99999\ntime:\n  publish_every: soon\n');
  const file = join(dir, 'hanode.yaml');
  try {
    await loadConfig({}, {}, dir);
    assert.fail('expected a ConfigError');
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    const text = err.problems.join('\n');
    assert.match(text, new RegExp(`${file}:2:12: history\\.topics\\.0: expected an MQTT topic filter`));
    assert.match(text, new RegExp(`${file}:3:3: unknown key 'retension' in history; did you mean 'retention'\\?`));
    assert.match(text, new RegExp(`${file}:5:9: http\\.host: http\\.host is 10\\.0\\.0\\.5, which other machines can reach, and http\\.token is not set`));
    assert.match(text, new RegExp(`${file}:6:9: http\\.port: expected a number <= 65535, got 99999`));
    assert.match(text, new RegExp(`${file}:8:18: time\\.publish_every: expected a duration`));
  }
  const short = dirWith('http: { token: short-token }\n');
  const problems = await loadConfig({}, {}, short).then(
    () => [],
    (err: ConfigError) => err.problems,
  );
  assert.equal(problems.length, 1);
  assert.match(problems[0], /http\.token: expected at least 16 characters/);
  assert.doesNotMatch(problems[0], /short-token/);
});
