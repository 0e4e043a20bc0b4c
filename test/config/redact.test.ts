/** Secrets never appear in logs (README "Config"): the URL forms the agent logs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redact } from '../../src/mqtt/link.js';
import { hideCredentials } from '../../src/config/config.js';

test('redact() hides the password of a broker URL and keeps the rest', () => {
  assert.equal(redact('mqtt://kitchen:hunter2@hub.local:1883'), 'mqtt://kitchen:***@hub.local:1883');
  assert.equal(redact('mqtts://kitchen:hunter2@hub.local:8883/'), 'mqtts://kitchen:***@hub.local:8883/');
  assert.equal(redact('ws://kitchen:hunter2@hub.local:8080/mqtt'), 'ws://kitchen:***@hub.local:8080/mqtt');
});

test('redact() leaves a URL without credentials as it is', () => {
  for (const url of ['mqtt://127.0.0.1:1883', 'mqtts://hub.local:8883', 'ws://hub.local:8080/mqtt?x=a@b']) assert.equal(redact(url), url);
});

// loadConfig takes the credentials out of mqtt.url (splitCredentials), so the agent never hands
// redact() a URL with a password in it; these gaps matter only to other callers.
test('redact() hides a password given without a username', () => {
  assert.doesNotMatch(redact('mqtt://:hunter2@hub.local:1883'), /hunter2/);
});

test('redact() hides all of a password with an unencoded @', () => {
  assert.doesNotMatch(redact('mqtt://kitchen:hun@ter2@hub.local:1883'), /ter2/);
});

test('hideCredentials() (used in config errors) covers the forms redact() misses', () => {
  assert.equal(hideCredentials('mqtt://kitchen:hunter2@hub.local:1883'), 'mqtt://kitchen:***@hub.local:1883');
  assert.equal(hideCredentials('mqtt://:hunter2@hub.local:1883'), 'mqtt://:***@hub.local:1883');
  assert.equal(hideCredentials('mqtt://kitchen:hun@ter2@hub.local:1883'), 'mqtt://kitchen:***@hub.local:1883');
  assert.equal(hideCredentials('hub.local:hunter2@x'), 'hub.local:***@x');
  assert.equal(hideCredentials('mqtt://hunter2@hub.local'), 'mqtt://***@hub.local');
  assert.equal(hideCredentials('mqtt://hub.local:1883/a@b'), 'mqtt://hub.local:1883/a@b');
});

test('a value from !secret or ${VAR} is never echoed in a config problem, even when it is the invalid value', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const { loadConfig, ConfigError } = await import('../../src/config/config.js');
  const dir = mkdtempSync(join(tmpdir(), 'hanode-secret-'));
  writeFileSync(
    join(dir, 'hanode.yaml'),
    [
      'node: { id: "${NODE_NAME}" }',
      'mqtt: { url: "${MQTT_URL}" }',
      'bridges:',
      '  - { id: w, type: webhook, url: !secret hook_url }',
      '  - { id: n, type: webhook, url: "https://x.example", rate: !secret rate, timeout: "${TIMEOUT}" }',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'secrets.yaml'), 'hook_url: "htps://hooks.example/s3cr3t-token-abc"\nrate: "sup3rsecretrate"\n');
  const env = { MQTT_URL: 'mqtx://user:envpass-xyz@envhost-private', NODE_NAME: 'Bad Node envnode-private', TIMEOUT: 'ten envtimeout-private' };
  let text = '';
  try {
    const config = await loadConfig({}, env, dir);
    text = (config.bridgeProblems ?? []).map((p) => p.message).join('\n');
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    text = err.message;
  }
  assert.match(text, /bridge 'w': url: /, 'the problem is still reported');
  assert.match(text, /mqtt\.url: /);
  for (const leaked of ['s3cr3t-token-abc', 'hooks.example', 'sup3rsecretrate', 'envpass-xyz', 'envhost-private', 'envnode-private', 'envtimeout-private']) {
    assert.ok(!text.includes(leaked), `${leaked} leaked in:\n${text}`);
  }
});

test('redactValues hides every given value, JSON-quoted forms included, and leaves other text alone', async () => {
  const { redactValues } = await import('../../src/core/redact.js');
  assert.equal(redactValues('got "a\\"b-secret" and a"b-secret', ['a"b-secret']), 'got "***" and ***');
  assert.equal(redactValues('expected 1 to 9, got "42"', ['42']), 'expected 1 to 9, got "***"');
  assert.equal(redactValues('x is 7, expected a number', ['7']), 'x is 7, expected a number', 'a very short value is hidden only where it is quoted');
  assert.equal(redactValues('nothing here', []), 'nothing here');
});

test('the log hides sensitive values in messages and in logged errors', async () => {
  const { pino } = await import('pino');
  const { hidingHooks } = await import('../../src/core/log.js');
  const lines: string[] = [];
  const log = pino({ level: 'info', hooks: hidingHooks(['hunter2-secret']) }, { write: (s: string) => void lines.push(s) });
  log.warn('bridge: cannot reach https://x/hunter2-secret');
  log.error({ err: new Error('refused hunter2-secret') }, 'failed');
  log.info(new Error('again hunter2-secret'));
  assert.equal(lines.length, 3);
  for (const l of lines) assert.ok(!l.includes('hunter2'), l);
  assert.match(lines[0]!, /cannot reach https:\/\/x\/\*\*\*/);
});

test('a secret URL is hidden in the shortened and masked forms messages print it in', async () => {
  const { redactValues, sensitiveParts } = await import('../../src/core/redact.js');
  const parts = sensitiveParts('https://bot:pa55word@hooks.example.net/services/T0/B0/xyzzy-token?key=k3y-value');
  for (const line of [
    'POST https://hooks.example.net/services/T0/B0/xyzzy-token: HTTP 500',
    'cannot reach https://bot:***@hooks.example.net/services/T0/B0/xyzzy-token?key=k3y-value',
    'getaddrinfo ENOTFOUND hooks.example.net',
  ]) {
    const hidden = redactValues(line, parts);
    for (const leaked of ['hooks.example', 'xyzzy', 'pa55word', 'k3y-value']) assert.ok(!hidden.includes(leaked), `${leaked} in ${hidden}`);
  }
});
