/** hanode.yaml as `$request/backup` carries it: comments and references kept, secret values hidden. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactConfigText, REDACTED } from '../../src/config/redact-config.js';

test('clear-text credentials are hidden; references, paths and comments are kept', () => {
  const text = [
    '# kitchen node',
    'mqtt:',
    '  url: mqtt://pi:hunter2@hub.local:1883',
    '  username: pi',
    '  password: "12345678"',
    '  key: certs/client.key',
    'http: { token: !secret http_token }',
    'bridges:',
    '  - { id: aio, type: adafruit-io, username: me, key: aio_abcdef }',
    '  - { id: ts, type: thingspeak, api_key: "${TS_KEY}" }',
    '  - { id: az, type: azure-iot-hub, connection_string: "HostName=h;DeviceId=d;SharedAccessKey=YWJj" }',
    'notify: { email: me@example.com }',
    '',
  ].join('\n');
  const out = redactConfigText(text, []);
  assert.match(out, /^# kitchen node/);
  assert.match(out, /url: mqtt:\/\/pi:\*\*\*@hub\.local:1883/);
  assert.match(out, new RegExp(`password: ${REDACTED}`));
  assert.match(out, /key: certs\/client\.key/);
  assert.match(out, /token: !secret http_token/);
  assert.match(out, new RegExp(`key: ${REDACTED}`));
  assert.match(out, /api_key: "\$\{TS_KEY\}"/);
  assert.match(out, new RegExp(`connection_string: ${REDACTED}`));
  assert.match(out, /email: me@example\.com/);
  assert.match(out, /username: pi/);
  assert.doesNotMatch(out, /hunter2|12345678|aio_abcdef|YWJj/);
});

test('values that came from secrets are hidden wherever they appear', () => {
  const out = redactConfigText('node: { id: kitchen }\nnote: the code is sesame-open\n', ['sesame-open']);
  assert.doesNotMatch(out, /sesame-open/);
});

test('a file that is not YAML is left out rather than copied', () => {
  const out = redactConfigText('mqtt: { password: hunter2\n', []);
  assert.doesNotMatch(out, /hunter2/);
  assert.match(out, /not valid YAML/);
});
