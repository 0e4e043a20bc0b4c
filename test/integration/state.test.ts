/**
 * The state store across restarts (issue 5, acceptance 4 and 5), over MQTT on a private
 * Mosquitto, sim hardware. The agent runs as a child process (test/helpers/agent-child.ts) so
 * it can be killed with SIGKILL: no shutdown code runs, only what is already on disk counts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { useBroker } from '../helpers/broker-fixture.js';
import type { Seen } from '../helpers/probe.js';
import { ask, nodeDir, recordingLogger, spawnNode, startNode, type LineTrace, type NodeChild } from '../helpers/node.js';
import type { SimHardware } from '../../src/hardware/sim/index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const SCHEMES = {
  'kitchen.yaml': `
inputs:
  - id: climate
    driver: bme280
    bus: 1
    address: 0x76
    interval: 200ms
outputs:
  - id: fan
    driver: gpio-out
    pin: 27
    restore: true
  - id: heater
    driver: gpio-out
    pin: 17
rules:
  - id: heater-when-hot
    when: { fact: climate, path: $.temperature, operator: greaterThan, value: 25 }
    then: [ { set: { output: heater, value: "ON" } } ]
`,
};

/** `open:1`, `write:1`: what was done to a line, without the times. */
const levels = (trace: LineTrace[]) => trace.map((t) => `${t.op}:${t.level}`);

/** Arrival gaps between the state messages on `topic` after `since`. */
const gaps = (messages: Seen[]) => messages.slice(1).map((m, i) => m.at - messages[i]!.at);

describe('state across kill -9', () => {
  const broker = useBroker();
  const children: NodeChild[] = [];
  /** Arrival positions after the restart, checked by their own test. */
  let fanBeforeOnline: { fan: number; online: number } | undefined;

  broker.after(async () => {
    for (const c of children) await c.kill9();
  });

  test('a restored output is ON again before status online; an interval override and a disabled rule survive', async () => {
    const N = 'kill-pi';
    const T = (s: string) => `han/${N}/${s}`;
    const config = nodeDir({ url: broker.url, node: N, schemes: SCHEMES });

    const first = spawnNode(config);
    children.push(first);
    const started = await first.started;
    assert.deepEqual(levels(started.outputs.fan!.trace), ['open:0', 'write:0'], 'first start: nothing to restore, initial OFF');
    await broker.probe.waitFor(T('status'), (p) => p === 'online', 5_000);

    const interval = await ask(broker.probe, N, 'interval', { id: 'climate', interval: '700ms' });
    assert.deepEqual(interval, { status: 'ok', data: { id: 'climate', interval: 700 }, transaction: interval.transaction });
    const disabled = await ask(broker.probe, N, 'disable', { id: 'heater-when-hot' });
    assert.equal(disabled.status, 'ok');

    // The fan is switched last, so nothing written after it can carry it to disk by luck.
    let since = broker.probe.mark();
    await broker.probe.publish(T('heater/set'), 'ON');
    await broker.probe.publish(T('fan/set'), 'ON');
    await broker.probe.waitForState(T('fan'), (s) => s.state === 'ON', 3_000, since);
    await broker.probe.waitForState(T('heater'), (s) => s.state === 'ON', 3_000, since);
    // The longest a power cut can come after the state was published, and the fan still be restored.
    await sleep(200);

    since = broker.probe.mark();
    await first.kill9();
    await broker.probe.waitFor(T('status'), (p) => p === 'offline', 5_000, since); // the last will

    const restart = broker.probe.mark();
    const second = spawnNode(config);
    children.push(second);
    const again = await second.started;
    const online = await broker.probe.waitFor(T('status'), (p) => p === 'online', 5_000, restart);
    const fan = await broker.probe.waitFor(T('fan'), () => true, 5_000, restart);
    assert.deepEqual(JSON.parse(fan.payload).state, 'ON', `the fan came back as ${fan.payload}`);
    assert.ok(Date.parse(JSON.parse(fan.payload).ts) > Date.now() - 10_000);
    // The line: opened high and written high, never low on the way, and before status online.
    assert.equal(again.outputs.fan!.level, 1);
    assert.deepEqual(levels(again.outputs.fan!.trace), ['open:1', 'write:1']);
    assert.ok(again.outputs.fan!.trace[0]!.at <= online.at, 'the line went high before status online arrived');
    fanBeforeOnline = { fan: fan.seq, online: online.seq };
    // heater has no restore: it starts at its initial OFF whatever it was.
    const heater = await broker.probe.waitFor(T('heater'), () => true, 5_000, restart);
    assert.equal(JSON.parse(heater.payload).state, 'OFF');
    assert.equal(again.outputs.heater!.level, 0);

    // The interval override: readings 700 ms apart, not 200. Polls fall on the clock's multiples of
    // the interval, so the first after the start comes at least half an interval after the start's
    // reading and every later one a whole interval after the last.
    // However slow the machine, four readings come, and never closer than the saved 700 ms after the first.
    for (let waited = 0; broker.probe.on(T('climate')).filter((m) => m.seq >= restart).length < 4 && waited < 15_000; waited += 50) await sleep(50);
    const climate = broker.probe.on(T('climate')).filter((m) => m.seq >= restart);
    assert.ok(climate.length >= 4, `${climate.length} readings`);
    const [firstGap, ...later] = gaps(climate);
    assert.ok(firstGap! > 300, `the first poll came ${firstGap} ms after the start's reading`);
    for (const g of later) assert.ok(g > 600, `readings ${g} ms apart`);

    // The rule is still disabled: it does not fire, and says so.
    const rules = await ask(broker.probe, N, 'rules');
    assert.equal(rules.data.rules.find((r: { id: string }) => r.id === 'heater-when-hot').enabled, false);
    const hot = broker.probe.mark();
    await broker.probe.publish(T('$sim/climate/set'), '{"temperature":30}');
    await broker.probe.waitForState(T('climate'), (s) => s.temperature > 25, 3_000, hot);
    await sleep(300);
    assert.deepEqual(broker.probe.on(T('$rules/heater-when-hot')).filter((m) => m.seq >= hot), []);
    assert.equal(broker.probe.on(T('heater')).filter((m) => m.seq >= hot).length, 0);
    await second.kill9();
  });

  test(
    "the restored fan's state is published before status online",
    () => {
      assert.ok(fanBeforeOnline, 'the restart test ran');
      assert.ok(fanBeforeOnline.fan < fanBeforeOnline.online, `the fan state (#${fanBeforeOnline.fan}) arrived after status online (#${fanBeforeOnline.online})`);
    },
  );

  test('a state file truncated to half its size does not stop the agent: it warns, starts clean and runs', async () => {
    const N = 'trunc-pi';
    const T = (s: string) => `han/${N}/${s}`;
    const config = nodeDir({ url: broker.url, node: N, schemes: SCHEMES });
    const file = join(config.data, 'state.json');

    // A first run leaves a full state file: a restored fan ON, an interval override.
    const first = await startNode(config);
    await ask(broker.probe, N, 'interval', { id: 'climate', interval: '700ms' });
    let since = broker.probe.mark();
    await broker.probe.publish(T('fan/set'), 'ON');
    await broker.probe.waitForState(T('fan'), (s) => s.state === 'ON', 3_000, since);
    await first.stop();
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(saved.states.fan.state.state, 'ON');
    assert.equal(saved.overrides.intervals.climate, 700);
    const size = statSync(file).size;
    truncateSync(file, Math.floor(size / 2));

    const { log, lines } = recordingLogger('warn');
    since = broker.probe.mark();
    const second = await startNode(config, log);
    try {
      await broker.probe.waitFor(T('status'), (p) => p === 'online', 5_000, since);
      const warning = lines().find((l) => /state\.json is unusable/.test(l.msg));
      assert.ok(warning, `no warning about the state file in ${JSON.stringify(lines())}`);
      assert.equal(warning.level, 40);
      const aside = readdirSync(config.data).filter((f) => f.startsWith('state.json.corrupt-'));
      assert.equal(aside.length, 1, `moved aside: ${aside}`);
      assert.equal(statSync(join(config.data, aside[0]!)).size, Math.floor(size / 2), 'the broken file is kept for a look');
      assert.match(warning.msg, new RegExp(`moved it to .*${aside[0]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

      // A clean start: the fan at its initial OFF, the climate at its configured 200 ms.
      const fan = await broker.probe.waitForState(T('fan'), () => true, 3_000, since);
      assert.equal(fan.state, 'OFF');
      assert.equal((second.hardware as SimHardware).device('fan')!.state().level, 0);
      // Not the 700 ms override of the lost file: of four readings, some come well under 700 ms apart.
      const readings = broker.probe.mark();
      for (let waited = 0; broker.probe.on(T('climate')).filter((m) => m.seq >= readings).length < 4 && waited < 15_000; waited += 50) await sleep(50);
      const climate = broker.probe.on(T('climate')).filter((m) => m.seq >= readings);
      assert.ok(climate.length >= 4, `${climate.length} readings`);
      assert.ok(Math.min(...gaps(climate)) < 500, `readings ${gaps(climate).join(', ')} ms apart at 200 ms`);

      // And it runs: commands, rules, and a new state file.
      const cmd = broker.probe.mark();
      await broker.probe.publish(T('fan/set'), 'ON');
      await broker.probe.waitForState(T('fan'), (s) => s.state === 'ON', 3_000, cmd);
      await broker.probe.publish(T('$sim/climate/set'), '{"temperature":30}');
      await broker.probe.waitForState(T('heater'), (s) => s.state === 'ON', 3_000, cmd);
      await ask(broker.probe, N, 'interval', { id: 'climate', interval: '300ms' });
      await sleep(300);
      const rewritten = JSON.parse(readFileSync(file, 'utf8'));
      assert.equal(rewritten.overrides.intervals.climate, 300);
      assert.equal(rewritten.states.fan.state.state, 'ON');
    } finally {
      await second.stop();
    }
    assert.ok(existsSync(file));
  });
});
