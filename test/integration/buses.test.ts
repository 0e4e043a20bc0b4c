/**
 * One input per bus type and the outputs not covered elsewhere, through the whole agent over a
 * private Mosquitto, on sim: the real driver code reads and drives simulated chips.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useBroker } from '../helpers/broker-fixture.js';
import { startAgent } from '../helpers/agent.js';
import type { Agent } from '../../src/agent/agent.js';
import type { SimHardware } from '../../src/hardware/sim/index.js';

const N = 'bus-pi';
const T = (s: string) => `han/${N}/${s}`;

describe('one input per bus type, and pwm, servo and pcf8574-out, over MQTT', () => {
  const broker = useBroker();
  let agent: Agent;
  let sim: SimHardware;
  let web: Server;

  broker.before(async () => {
    web = createServer((_req, res) => res.end(JSON.stringify({ current: { temp_c: 12.5, wind_kph: 7 } })));
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', () => r()));
    const webPort = (web.address() as { port: number }).port;
    const bin = mkdtempSync(join(tmpdir(), 'hanode-bus-bin-'));
    writeFileSync(join(bin, 'gauge'), '#!/bin/sh\necho 42.5\n');
    chmodSync(join(bin, 'gauge'), 0o755);
    ({ agent } = await startAgent({
      url: broker.url,
      node: N,
      schemes: {
        'inputs.yaml': `
inputs:
  - { id: air, driver: sht3x, address: 0x44, interval: 200ms }            # I2C
  - { id: soil, driver: mcp3008, channel: 2, interval: 200ms }            # SPI
  - { id: tank, driver: ds18b20, sensor_id: 28-0000000000aa, interval: 200ms }  # 1-wire
  - { id: door, driver: gpio-in, pin: 5, debounce: 5ms }                  # GPIO
  - { id: pi, driver: system, interval: 1s }                              # system
  - { id: weather, driver: http-json, url: "http://127.0.0.1:${webPort}/", fields: { temperature: "$.current.temp_c" }, interval: 1s }
  - { id: gauge, driver: command, argv: ["${join(bin, 'gauge')}"], interval: 1s }
`,
        'outputs.yaml': `
outputs:
  - { id: lamp, driver: pwm, chip: 0, channel: 0, frequency: 1000 }
  - { id: vent, driver: servo, chip: 0, channel: 1 }
  - { id: relay-a, driver: pcf8574-out, address: 0x20, pin: 0 }
  - { id: relay-b, driver: pcf8574-out, address: 0x20, pin: 3, invert: true }
`,
      },
    }));
    sim = agent.hardware as SimHardware;
    await broker.probe.waitFor(T('status'), (p) => p === 'online');
  });

  broker.after(async () => {
    await agent?.stop();
    web?.close();
  });

  test('I2C: sht3x follows the simulated air', async () => {
    const since = broker.probe.mark();
    await broker.probe.publish(T('$sim/air/set'), '{"temperature":23.4,"humidity":51.2}');
    const s = await broker.probe.waitForState(T('air'), (s) => Math.abs(s.temperature - 23.4) < 0.05, 3_000, since);
    assert.ok(Math.abs(s.humidity - 51.2) < 0.05, JSON.stringify(s));
  });

  test('SPI: mcp3008 publishes raw and volts', async () => {
    const since = broker.probe.mark();
    await broker.probe.publish(T('$sim/soil/set'), '{"voltage":1.65}');
    const s = await broker.probe.waitForState(T('soil'), (s) => Math.abs(s.voltage - 1.65) < 0.005, 3_000, since);
    assert.ok(Math.abs(s.raw - 512) <= 1, JSON.stringify(s));
  });

  test('1-wire: ds18b20 publishes the temperature in 1/16 °C steps', async () => {
    const since = broker.probe.mark();
    await broker.probe.publish(T('$sim/tank/set'), '{"temperature":-3.5}');
    await broker.probe.waitForState(T('tank'), (s) => s.temperature === -3.5, 3_000, since);
  });

  test('GPIO: gpio-in follows the line', async () => {
    const since = broker.probe.mark();
    await broker.probe.publish(T('$sim/door/set'), '{"level":1}');
    await broker.probe.waitForState(T('door'), (s) => s.state === 'ON', 3_000, since);
  });

  test('system, network and process inputs publish their fields', async () => {
    const pi = await broker.probe.waitForState(T('pi'), (s) => typeof s.uptime === 'number');
    assert.equal(typeof pi.load1, 'number');
    const weather = await broker.probe.waitForState(T('weather'), () => true);
    assert.equal(weather.temperature, 12.5);
    const gauge = await broker.probe.waitForState(T('gauge'), () => true);
    assert.equal(gauge.value, 42.5);
  });

  test('pwm: 40 % sets the duty cycle; OFF and ON come back to the last level', async () => {
    let since = broker.probe.mark();
    await broker.probe.publish(T('lamp/set'), '40');
    await broker.probe.waitForState(T('lamp'), (s) => s.brightness === 40 && s.state === 'ON', 3_000, since);
    const ch = sim.device('lamp')!.state();
    assert.equal(ch.period_ns, 1_000_000);
    assert.equal(ch.duty_ns, 400_000);
    since = broker.probe.mark();
    await broker.probe.publish(T('lamp/set'), 'OFF');
    await broker.probe.waitForState(T('lamp'), (s) => s.state === 'OFF', 3_000, since);
    assert.equal(sim.device('lamp')!.state().duty_ns, 0);
    since = broker.probe.mark();
    await broker.probe.publish(T('lamp/set'), '{"brightness":250}');
    await broker.probe.waitFor(T('$error'), (p) => JSON.parse(p).topic === T('lamp/set'), 3_000, since);
  });

  test('servo: an angle becomes a pulse width at 50 Hz', async () => {
    const since = broker.probe.mark();
    await broker.probe.publish(T('vent/set'), '{"angle":90}');
    await broker.probe.waitForState(T('vent'), (s) => s.angle === 90, 3_000, since);
    const ch = sim.device('vent')!.state();
    assert.equal(ch.period_ns, 20_000_000);
    assert.equal(ch.duty_ns, 1_500_000);
  });

  test('pcf8574-out: two relays on one expander keep each other\'s pins', async () => {
    const since = broker.probe.mark();
    await Promise.all([broker.probe.publish(T('relay-a/set'), 'ON'), broker.probe.publish(T('relay-b/set'), 'ON')]);
    await broker.probe.waitForState(T('relay-a'), (s) => s.state === 'ON', 3_000, since);
    await broker.probe.waitForState(T('relay-b'), (s) => s.state === 'ON', 3_000, since);
    const a = sim.device('relay-a')!.state();
    const b = sim.device('relay-b')!.state();
    assert.equal(a.level, 1, 'P0 high');
    assert.equal(b.level, 0, 'P3 low: relay-b is active-low');
    assert.equal(a.port, b.port, 'one chip');
  });
});
