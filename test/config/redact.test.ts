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
