/**
 * The IIO and serial buses and the drivers added with them, through the whole agent over a
 * private Mosquitto, on sim: a DHT22 behind the kernel's IIO driver, a PMS5003 and a line-printing
 * device on serial ports, an AHT20 and an SCD41, and one MCP23017 shared by an input and a relay.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useBroker } from '../helpers/broker-fixture.js';
import { startAgent } from '../helpers/agent.js';
import type { Agent } from '../../src/agent/agent.js';
import type { SimHardware } from '../../src/hardware/sim/index.js';

const N = 'more-bus-pi';
const T = (s: string) => `han/${N}/${s}`;

describe('IIO, serial and the new I2C parts over MQTT', () => {
  const broker = useBroker();
  let agent: Agent;
  let sim: SimHardware;

  broker.before(async () => {
    ({ agent } = await startAgent({
      url: broker.url,
      node: N,
      schemes: {
        'inputs.yaml': `
inputs:
  - { id: shed, driver: dht22, interval: 200ms }                                   # IIO
  - { id: dust, driver: pms5003, port: /dev/serial0, interval: 300ms }              # serial
  - { id: reader, driver: serial-line, port: /dev/ttyUSB0, regex: 'card (?<card>\\d+)' }
  - { id: attic, driver: aht20, interval: 300ms }
  - { id: co2, driver: scd4x, altitude: 300, interval: 500ms }
  - { id: contacts, driver: mcp23017-in, address: 0x24, pins: [0, 1], invert: true, int_pin: 25 }
`,
        'outputs.yaml': `
outputs:
  - { id: zone, driver: mcp23017-out, address: 0x24, pin: 8 }
`,
      },
    }));
    sim = agent.hardware as SimHardware;
    await broker.probe.waitFor(T('status'), (p) => p === 'online');
  });

  broker.after(() => agent?.stop());

  test('IIO: dht22 follows the simulated sensor, through a kernel read glitch', async () => {
    const since = broker.probe.mark();
    await broker.probe.publish(T('$sim/shed/set'), '{"temperature":-4.2,"humidity":77.5}');
    await broker.probe.waitForState(T('shed'), (s) => s.temperature === -4.2 && s.humidity === 77.5, 3_000, since);
    const after = broker.probe.mark();
    await broker.probe.publish(T('$sim/shed/set'), '{"glitches":1,"temperature":3.1}');
    await broker.probe.waitForState(T('shed'), (s) => s.temperature === 3.1, 6_000, after);
  });

  test('serial: pms5003 publishes the frames of the simulated sensor', async () => {
    const since = broker.probe.mark();
    await broker.probe.publish(T('$sim/dust/set'), '{"pm1_0":11,"pm2_5":23,"pm10":35}');
    const s = await broker.probe.waitForState(T('dust'), (s) => s.pm2_5 === 23, 3_000, since);
    assert.deepEqual([s.pm1_0, s.pm10, s.particles_2_5], [11, 35, 23]);
  });

  test('serial: serial-line publishes the regex group of each matching line', async () => {
    const since = broker.probe.mark();
    await broker.probe.publish(T('$sim/reader/set'), '{"line":"boot\\ncard 4711"}');
    const s = await broker.probe.waitForState(T('reader'), (s) => s.card === 4711, 3_000, since);
    assert.deepEqual(Object.keys(s).filter((k) => k !== 'ts'), ['card']);
  });

  test('I2C: aht20 and scd4x follow the simulated air', async () => {
    let since = broker.probe.mark();
    await broker.probe.publish(T('$sim/attic/set'), '{"temperature":31.2,"humidity":22.8}');
    await broker.probe.waitForState(T('attic'), (s) => Math.abs(s.temperature - 31.2) <= 0.01 && Math.abs(s.humidity - 22.8) <= 0.01, 3_000, since);
    since = broker.probe.mark();
    await broker.probe.publish(T('$sim/co2/set'), '{"co2":1450}');
    await broker.probe.waitForState(T('co2'), (s) => s.co2 === 1450, 5_000, since);
    assert.equal(sim.device('co2')!.state().altitude, 300);
  });

  test('mcp23017: an input read on INT and a relay on one chip', async () => {
    let since = broker.probe.mark();
    await broker.probe.publish(T('$sim/contacts/set'), '{"p1":0}');
    await broker.probe.waitForState(T('contacts'), (s) => s.p1 === 'ON' && s.p0 === 'OFF', 3_000, since);
    since = broker.probe.mark();
    await broker.probe.publish(T('zone/set'), 'ON');
    await broker.probe.waitForState(T('zone'), (s) => s.state === 'ON', 3_000, since);
    assert.equal(sim.device('zone')!.state().level, 1);
    since = broker.probe.mark();
    await broker.probe.publish(T('$sim/contacts/set'), '{"p1":1}');
    await broker.probe.waitForState(T('contacts'), (s) => s.p1 === 'OFF', 3_000, since);
  });
});
