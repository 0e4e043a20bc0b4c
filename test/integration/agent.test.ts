/**
 * The whole agent over MQTT: a private Mosquitto on a free port, and the embedded broker.
 * Sim hardware, so the real driver code reads simulated chips through simulated buses.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Mosquitto, freePort } from '../helpers/mosquitto.js';
import { Probe } from '../helpers/probe.js';
import { startAgent } from '../helpers/agent.js';
import type { Agent } from '../../src/agent/agent.js';
import type { SimHardware } from '../../src/hardware/sim/index.js';

const SCHEMES = {
  'climate.yaml': `
inputs:
  - id: climate
    driver: bme280
    bus: 1
    address: 0x76
    interval: 200ms
  - id: door
    driver: gpio-in
    pin: 22
    debounce: 10ms
`,
  'outputs/fan.yaml': `
outputs:
  - id: fan
    driver: gpio-out
    pin: 27
    initial: "OFF"
`,
  'broken.yaml': `
inputs:
  - id: attic
    driver: bme280
    intervall: 5s
`,
  'other.yaml': `
inputs:
  - id: pi
    driver: system
    interval: 1s
`,
};

const N = 'test-pi';
const T = (s: string) => `han/${N}/${s}`;

for (const brokerKind of ['mosquitto', 'embedded'] as const) {
  describe(`agent end to end on ${brokerKind}`, () => {
    let mosquitto: Mosquitto | undefined;
    let agent: Agent;
    let probe: Probe;
    let sim: SimHardware;

    before(async () => {
      if (brokerKind === 'mosquitto') {
        mosquitto = await Mosquitto.start();
        probe = await Probe.connect(mosquitto.url);
        ({ agent } = await startAgent({ url: mosquitto.url, node: N, schemes: SCHEMES }));
      } else {
        const port = await freePort();
        ({ agent } = await startAgent({ node: N, schemes: SCHEMES, broker: { host: '127.0.0.1', port } }));
        assert.equal(agent.url, `mqtt://127.0.0.1:${port}`);
        probe = await Probe.connect(agent.url!);
      }
      sim = agent.hardware as SimHardware;
    });

    after(async () => {
      await agent?.stop();
      await probe?.close();
      await mosquitto?.stop();
    });

    test('announces status online and $info with its schemes', async () => {
      await probe.waitFor(T('status'), (p) => p === 'online');
      const info = JSON.parse((await probe.waitFor(T('$info'))).payload);
      assert.equal(info.node, N);
      assert.equal(info.hardware, 'sim');
      assert.deepEqual([...info.inputs].sort(), ['climate', 'door', 'pi']);
      assert.deepEqual(info.outputs, ['fan']);
      assert.match(info.started, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(typeof info.version, 'string');
    });

    test('publishes a state with ts for every input', async () => {
      for (const id of ['climate', 'door', 'pi', 'fan']) {
        const state = await probe.waitForState(T(id), (s) => typeof s.ts === 'string');
        assert.match(state.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, id);
      }
      const pi = await probe.waitForState(T('pi'), () => true);
      for (const f of ['cpu_temp', 'load1', 'mem_used_pct', 'disk_used_pct', 'uptime']) assert.ok(f in pi, `system field ${f}`);
    });

    test('sim temperature, humidity and pressure come back from the BME280 within ±0.01', async () => {
      const since = probe.mark();
      await probe.publish(T('$sim/climate/set'), JSON.stringify({ temperature: 26.5, humidity: 40.2, pressure: 1013.2 }));
      const s = await probe.waitForState(T('climate'), (s) => Math.abs(s.temperature - 26.5) <= 0.01, 5_000, since);
      assert.ok(Math.abs(s.temperature - 26.5) <= 0.01, `temperature ${s.temperature}`);
      assert.ok(Math.abs(s.humidity - 40.2) <= 0.01, `humidity ${s.humidity}`);
      assert.ok(Math.abs(s.pressure - 1013.2) <= 0.01, `pressure ${s.pressure}`);
    });

    test('set ON drives the sim line to 1 and publishes {"state":"ON"}', async () => {
      const since = probe.mark();
      await probe.publish(T('fan/set'), 'ON');
      const m = await probe.waitFor(T('fan'), (p) => JSON.parse(p).state === 'ON', 3_000, since);
      assert.equal(JSON.parse(m.payload).state, 'ON');
      assert.equal(sim.device('fan')!.state().level, 1);
      await probe.publish(T('fan/set'), 'OFF');
      await probe.waitFor(T('fan'), (p) => JSON.parse(p).state === 'OFF', 3_000, since);
      assert.equal(sim.device('fan')!.state().level, 0);
    });

    test('{"state":"ON","for":"300ms"} turns on and returns to OFF', async () => {
      const since = probe.mark();
      await probe.publish(T('fan/set'), '{"state":"ON","for":"300ms"}');
      const on = await probe.waitFor(T('fan'), (p) => JSON.parse(p).state === 'ON', 3_000, since);
      const off = await probe.waitFor(T('fan'), (p) => JSON.parse(p).state === 'OFF', 3_000, on.seq);
      assert.ok(off.at - on.at >= 250, `went OFF after ${off.at - on.at} ms`);
      assert.equal(sim.device('fan')!.state().level, 0);
    });

    test('a retained command does nothing', async () => {
      const before = sim.device('fan')!.state().level;
      assert.equal(before, 0);
      const since = probe.mark();
      await probe.publish(T('fan/set'), 'ON', { retain: true });
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(sim.device('fan')!.state().level, 0);
      assert.deepEqual(probe.messages.filter((m) => m.topic === T('fan') && m.seq >= since), []);
      await probe.publish(T('fan/set'), '', { retain: true }); // clear it
    });

    test('a malformed payload produces $error and no change', async () => {
      const since = probe.mark();
      await probe.publish(T('fan/set'), '{"state":"BLUE"}');
      const err = JSON.parse((await probe.waitFor(T('$error'), (p) => JSON.parse(p).topic === T('fan/set'), 3_000, since)).payload);
      assert.match(err.error, /state/);
      assert.match(err.ts, /Z$/);
      await probe.publish(T('fan/set'), '{"state":');
      await probe.waitFor(T('$error'), (p) => /invalid JSON/.test(JSON.parse(p).error), 3_000, since);
      await probe.publish(T('nosuch/set'), 'ON');
      await probe.waitFor(T('$error'), (p) => JSON.parse(p).topic === T('nosuch/set'), 3_000, since);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(sim.device('fan')!.state().level, 0);
      assert.deepEqual(probe.messages.filter((m) => m.topic === T('fan') && m.seq >= since), []);
    });

    test('a sim fault takes the scheme offline and it comes back online', async () => {
      const since = probe.mark();
      await probe.publish(T('$sim/climate/set'), '{"fail":true}');
      await probe.waitFor(T('climate/availability'), (p) => p === 'offline', 5_000, since);
      const otherStillRunning = await probe.waitForState(T('pi'), () => true, 3_000, probe.mark());
      assert.ok(otherStillRunning);
      const healed = probe.mark();
      await probe.publish(T('$sim/climate/set'), '{"fail":false}');
      await probe.waitFor(T('climate/availability'), (p) => p === 'online', 5_000, healed);
      await probe.waitForState(T('climate'), () => true, 3_000, healed);
    });

    test('an invalid scheme file is reported on $error and the other files run', async () => {
      // $error is not retained: on the embedded broker the probe connects after the start-up
      // report, so ask for a reload, which reports the invalid file again.
      const since = probe.mark();
      await probe.publish(T('$request/reload'), '{}');
      const err = await probe.waitFor(T('$error'), (p) => JSON.parse(p).topic.endsWith('broken.yaml'), 3_000, since);
      assert.match(JSON.parse(err.payload).error, /broken\.yaml:5:5: .*intervall.*did you mean 'interval'/);
      assert.equal(probe.messages.some((m) => m.topic === T('attic')), false);
    });

    test('$request/read, schemes and health answer with the transaction', async () => {
      const since = probe.mark();
      await probe.client.subscribeAsync(T('$response/#'));
      await probe.publish(T('$request/read'), '{"id":"climate","transaction":"t1"}');
      const read = JSON.parse((await probe.waitFor(T('$response/read'), (p) => JSON.parse(p).transaction === 't1', 3_000, since)).payload);
      assert.equal(read.status, 'ok');
      assert.equal(typeof read.data.state.temperature, 'number');
      await probe.publish(T('$request/schemes'), '{"transaction":2}');
      const schemes = JSON.parse((await probe.waitFor(T('$response/schemes'), (p) => JSON.parse(p).transaction === 2, 3_000, since)).payload);
      assert.deepEqual(schemes.data.schemes.map((s: { id: string }) => s.id).sort(), ['climate', 'door', 'fan', 'pi']);
      assert.equal(schemes.data.invalid.length, 1);
      await probe.publish(T('$request/health'), '{"transaction":"h"}');
      const health = JSON.parse((await probe.waitFor(T('$response/health'), (p) => JSON.parse(p).transaction === 'h', 3_000, since)).payload);
      assert.equal(health.status, 'ok');
      assert.equal(health.data.connection.connected, true);
      await probe.publish(T('$request/read'), '{"id":"nope","transaction":"t2"}');
      const bad = JSON.parse((await probe.waitFor(T('$response/read'), (p) => JSON.parse(p).transaction === 't2', 3_000, since)).payload);
      assert.equal(bad.status, 'error');
      assert.match(bad.error, /no scheme 'nope'/);
    });

    test('gpio-in follows the sim line level', async () => {
      const since = probe.mark();
      await probe.publish(T('$sim/door/set'), '{"level":1}');
      await probe.waitForState(T('door'), (s) => s.state === 'ON', 3_000, since);
      await probe.publish(T('$sim/door/set'), '{"level":0}');
      await probe.waitForState(T('door'), (s) => s.state === 'OFF', 3_000, since);
    });
  });
}
