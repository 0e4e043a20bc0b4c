import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSetPayload } from '../../src/core/set-payload.js';

test('parseSetPayload: table of payloads', () => {
  const table: [string, ReturnType<typeof parseSetPayload>][] = [
    ['ON', { ok: true, command: { state: 'ON' } }],
    ['off', { ok: true, command: { state: 'OFF' } }],
    [' TOGGLE\n', { ok: true, command: { state: 'TOGGLE' } }],
    ['42', { ok: true, command: { value: 42 } }],
    ['-0.5', { ok: true, command: { value: -0.5 } }],
    ['1e3', { ok: true, command: { value: 1000 } }],
    ['Check the water tank', { ok: true, command: { text: 'Check the water tank' } }],
    ['{"state":"on","for":"5s"}', { ok: true, command: { state: 'ON', for: '5s' } }],
    ['{"text":"hi"}', { ok: true, command: { text: 'hi' } }],
    ['{"state":', { ok: false, error: "invalid JSON: Expected property name or '}' in JSON at position 9 (line 1 column 10)" }],
    ['[1,2]', { ok: false, error: 'expected a JSON object such as {"state":"ON"}' }],
    ['', { ok: false, error: 'empty payload; expected ON, OFF, TOGGLE, a number, text or a JSON object' }],
  ];
  for (const [payload, expected] of table) {
    const got = parseSetPayload(Buffer.from(payload));
    if (!expected.ok && !got.ok && expected.error.startsWith('invalid JSON')) assert.match(got.error, /^invalid JSON: /, payload);
    else assert.deepEqual(got, expected, payload);
  }
});
