/**
 * An oversized or huge-text command to a display is refused or cut without stalling the agent:
 * the other outputs keep answering. Over a private Mosquitto.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBroker } from '../helpers/broker-fixture.js';
import { startAgent } from '../helpers/agent.js';
import type { Agent } from '../../src/agent/agent.js';

const N = 'big-pi';
const T = (s: string) => `han/${N}/${s}`;
const broker = useBroker({ probe: ['han/#'] });
let agent: Agent;

broker.before(async () => {
  ({ agent } = await startAgent({
    url: broker.url,
    node: N,
    schemes: {
      'a.yaml': [
        'outputs:',
        '  - { id: oled, driver: ssd1306, address: 0x3c }',
        '  - { id: lcd, driver: hd44780, address: 0x27, columns: 16, rows: 2 }',
        '  - { id: fan, driver: gpio-out, pin: 27 }',
      ].join('\n'),
    },
  }));
  await broker.probe.waitFor(T('status'), (p) => p === 'online');
  await broker.probe.waitForState(T('fan'), (s) => s.state === 'OFF');
});

broker.after(() => agent.stop());

const errorOn = (topic: string, since: number) =>
  broker.probe.waitFor(T('$error'), (p) => JSON.parse(p).topic === topic, 15_000, since).then((m) => JSON.parse(m.payload).error as string);

for (const display of ['oled', 'lcd']) {
  test(`1 MB of text to ${display}/set is refused on $error naming the topic and the limit; fan still answers`, async () => {
    const since = broker.probe.mark();
    await broker.probe.publish(T(`${display}/set`), 'x'.repeat(1024 * 1024));
    await broker.probe.publish(T('fan/set'), 'TOGGLE');
    assert.match(await errorOn(T(`${display}/set`), since), /payload of 1048576 bytes is over the limit of 64 KiB/);
    await broker.probe.waitForState(T('fan'), () => true, 15_000, since);
  });

  test(`text just under the payload limit to ${display}/set is cut to what the display shows`, async () => {
    const since = broker.probe.mark();
    await broker.probe.publish(T(`${display}/set`), JSON.stringify({ text: 'y'.repeat(60_000) }));
    const state = await broker.probe.waitForState(T(display), (s) => typeof s.text === 'string' && s.text.startsWith('y'), 15_000, since);
    const lines = state.text.split('\n');
    assert.ok(lines.every((l: string) => /^y+$/.test(l) && l.length <= 21), state.text);
    assert.ok(state.text.length < 200, 'only what fits is shown');
    const next = broker.probe.mark();
    await broker.probe.publish(T('fan/set'), 'TOGGLE');
    await broker.probe.waitForState(T('fan'), () => true, 15_000, next);
  });
}

test('an error about a long value quotes only an excerpt of it on $error', async () => {
  const since = broker.probe.mark();
  await broker.probe.publish(T('fan/set'), JSON.stringify({ ['k'.repeat(50_000)]: 1 }));
  const error = await errorOn(T('fan/set'), since);
  assert.match(error, /^fan|invalid command/);
  assert.ok(error.length <= 500, `$error is ${error.length} characters long`);
});
