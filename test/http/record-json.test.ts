/** D2/D3 write their answer as text; each record must read exactly as recordJson makes it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recordJson, recordsJson } from '../../src/http/record-json.js';

test('recordsJson reads back as recordJson of every row: JSON, text, empty, whitespace, unicode and bytes that are not UTF-8', () => {
  const payloads: (string | Buffer)[] = [
    '{"temperature":18.0,"nested":{"a":[1,2,{"b":null}]}}',
    ' 42 ',
    '"quoted"',
    'true',
    'null',
    'plain text with "quotes" and \\ backslash',
    '',
    '{"broken":',
    'Grüße ☃ 𝄞',
    Buffer.from('{"as":"bytes"}'),
    Buffer.from([0xff, 0xfe, 0x00, 0x41]),
    Buffer.from('\u0000\u0001 control', 'utf8'),
  ];
  const rows = payloads.map((payload, i) => ({ id: i + 1, topic: i % 2 ? 'han/a/b' : 'han/"odd"/topic', payload, ts: 1_700_000_000_000 + i * 1_234 }));
  const text = recordsJson(rows);
  assert.deepEqual(JSON.parse(text), { records: rows.map(recordJson) });
  assert.deepEqual(JSON.parse(recordsJson([])), { records: [] });
});
