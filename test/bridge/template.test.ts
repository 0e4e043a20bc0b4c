/** Templates, the pacer and the echo memory: pure pieces, table-driven. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { localMessage, payloadTemplateProblem, renderPayload, renderTopic, topicTemplateProblem } from '../../src/bridge/template.js';
import { Pacer } from '../../src/bridge/pacer.js';
import { EchoMemory } from '../../src/bridge/echo.js';
import { parseRate } from '../../src/bridge/schema.js';

const NOW = new Date('2025-01-01T00:00:00.000Z');
const msg = localMessage('han/kitchen-pi/kitchen-climate', JSON.stringify({ temperature: 21.5, nested: { a: [1, 2] }, label: 'warm', ts: '2025-06-01T10:00:00.000Z' }), NOW);

describe('topic templates', () => {
  const vars = ['node', 'id', 'base'];
  for (const [template, problem] of [
    ['home/{node}/{id}', undefined],
    ['plain/topic', undefined],
    ['home/{nod}', 'unknown placeholder {nod}; expected {node}, {id}, {base}'],
    ['home/{{node}}', 'topic templates take {name}, not {{name}}'],
    ['home/{node', "unclosed '{' in 'home/{node'"],
    ['home/node}', "unmatched '}' in 'home/node}'"],
    ['home/+/x', 'a topic to publish to cannot hold the wildcards + or #'],
    ['home/#', 'a topic to publish to cannot hold the wildcards + or #'],
    ['', 'expected a topic'],
    ['home/{No de}', "'{No de}' is not a placeholder; expected a name such as {node}"],
  ] as const) {
    test(`${JSON.stringify(template)} → ${problem ?? 'ok'}`, () => assert.equal(topicTemplateProblem(template, vars), problem));
  }
  test('renders from the local B/N/S topic', () => {
    assert.equal(renderTopic('home/{node}/{id}/{base}', { node: msg.node, id: msg.id, base: 'han' }), 'home/kitchen-pi/kitchen-climate/han');
  });
});

describe('payload templates', () => {
  for (const [template, out] of [
    [undefined, msg.text],
    ['{{temperature}}', '21.5'],
    ['{"t": {{temperature}}, "n": "{{node}}", "i": "{{id}}"}', '{"t": 21.5, "n": "kitchen-pi", "i": "kitchen-climate"}'],
    ['{{ nested.a }}', '[1,2]'],
    ['{{nested}}', '{"a":[1,2]}'],
    ['{{label}} at {{ts}}', 'warm at 2025-06-01T10:00:00.000Z'],
    ['{{humidity}}', undefined],
    ['{{topic}}', 'han/kitchen-pi/kitchen-climate'],
    ['no fields', 'no fields'],
    ['{{ temperature | round }} {{ label | upper }}', '22 WARM'],
    ['{{ humidity | default: 0 }}', '0'],
    ['{% if temperature > 20 %}hot{% endif %}', 'hot'],
  ] as const) {
    test(`${JSON.stringify(template)} → ${JSON.stringify(out)}`, () => assert.equal(renderPayload(template, msg), out));
  }
  for (const [template, problem] of [
    ['{{temperature', 'template line 1, col 1: output "{{temperature" not closed'],
    ['{{ a | nofilter }}', 'template line 1, col 1: undefined filter: nofilter'],
    ['{"a": 1}', undefined],
  ] as const) {
    test(`problem of ${JSON.stringify(template)}`, () => assert.equal(payloadTemplateProblem(template), problem));
  }
  test('a payload that is not a JSON object is {value}; ts falls back to the arrival time', () => {
    const m = localMessage('han/n/s', 'ON', NOW);
    assert.equal(renderPayload('{{value}} {{ts}}', m), `ON ${NOW.toISOString()}`);
    assert.equal(renderPayload('{{value}}', localMessage('han/n/s', '42', NOW)), '42');
  });
});

describe('rates', () => {
  for (const [text, perSecond] of [[5, 5], ['50/s', 50], ['30/min', 0.5], ['30 / m', 0.5], ['2/h', 2 / 3600], ['1.5/second', 1.5]] as const) {
    test(`${text} → ${perSecond}/s`, () => assert.equal(parseRate(text), perSecond));
  }
});

describe('pacer', () => {
  test('a burst at once, then one token per 1/rate; a pause holds everything', () => {
    const p = new Pacer(2, 2, 0);
    assert.equal(p.wait(0), 0);
    p.take(0);
    p.take(0);
    assert.equal(p.wait(0), 500);
    assert.equal(p.wait(500), 0);
    p.take(500);
    p.pause(10_000);
    assert.equal(p.wait(1_000), 9_000);
    assert.equal(p.wait(10_000), 0);
    p.take(10_000);
    p.take(10_000);
    assert.equal(p.wait(10_000), 500, 'the bucket filled during the pause, up to its burst');
  });
});

describe('echo memory', () => {
  test('each remembered message is recognised once, until it expires', () => {
    const e = new EchoMemory(1_000, 3);
    e.add('a', 'x', 0);
    e.add('a', 'x', 0);
    assert.equal(e.take('a', 'x', 10), true);
    assert.equal(e.take('a', 'x', 10), true);
    assert.equal(e.take('a', 'x', 10), false);
    e.add('a', 'y', 0);
    assert.equal(e.take('a', 'y', 1_001), false, 'expired');
    assert.equal(e.take('b', 'x', 0), false);
  });
  test('bounded: the oldest go first', () => {
    const e = new EchoMemory(60_000, 3);
    for (const p of ['1', '2', '3', '4']) e.add('t', p, 0);
    assert.equal(e.size, 3);
    assert.equal(e.take('t', '1', 1), false);
    assert.equal(e.take('t', '4', 1), true);
  });
  test('large payloads are keyed by hash', () => {
    const e = new EchoMemory();
    const big = Buffer.alloc(10_000, 7);
    e.add('t', big, 0);
    assert.equal(e.take('t', Buffer.alloc(10_000, 7), 1), true);
  });
});
