/** What the publisher sends on `$error`: bounded, and never a secret's value. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { EventBus } from '../../src/core/bus.js';
import { topicsFor } from '../../src/core/topics.js';
import { Publisher, stateJson } from '../../src/publisher/publisher.js';
import type { MqttLink } from '../../src/mqtt/link.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function setup(sensitive: string[]) {
  const sent: { topic: string; payload: string }[] = [];
  const logged: string[] = [];
  const link = { publish: async (topic: string, payload: string | Buffer) => void sent.push({ topic, payload: String(payload) }), onConnect: () => {}, connected: false } as unknown as MqttLink;
  const log = pino({ level: 'info' }, { write: (s: string) => void logged.push(JSON.parse(s).msg) });
  const bus = new EventBus(log);
  const publisher = new Publisher({ link, bus, topics: topicsFor('han', 'pi'), log, outbox: { dir: mkdtempSync(join(tmpdir(), 'hanode-publisher-')), maxMessages: 100, maxBytes: 1 << 20, drainRate: 100 }, sensitive });
  return { sent, logged, bus, publisher };
}

test('$error and its log line hide values from secrets.yaml and the environment', async () => {
  const { sent, logged, bus, publisher } = setup(['s3cr3t-token-abc']);
  await publisher.start();
  bus.emit('error', { topic: 'bridge/w', error: 'POST https://hooks.example/s3cr3t-token-abc: HTTP 500' });
  await new Promise((r) => setImmediate(r));
  assert.equal(sent.length, 1);
  assert.equal(JSON.parse(sent[0]!.payload).error, 'POST https://hooks.example/***: HTTP 500');
  assert.ok(logged.every((l) => !l.includes('s3cr3t')), logged.join('\n'));
  await publisher.stop();
});

test('a state payload is the JSON of the state with ts added last, as a spread would build it', () => {
  const ts = new Date(Date.UTC(2026, 11, 5, 12, 0, 0, 7)).toISOString();
  const states: Record<string, unknown>[] = [
    {},
    { temperature: 21.5 },
    { temperature: 21.5, humidity: 40, pressure: 1013.25 },
    { on: true, brightness: 0 },
    { text: 'line "one"\nline\\two', emoji: '🌡' },
    { nested: { a: [1, 2, { b: null }] }, list: [] },
    { gone: undefined },
    { kept: 1, gone: undefined },
    { ts: 'the driver set one', value: 3 },
    { value: 3, ts: 5 },
  ];
  for (const state of states) {
    const expected = JSON.stringify({ ...state, ts });
    assert.equal(stateJson(state as never, ts), expected, JSON.stringify(state));
    assert.deepEqual(JSON.parse(stateJson(state as never, ts)), JSON.parse(expected));
  }
});
