/**
 * The whole agent on `--hardware linux` inside the guest: `hanode scan --json`, then `hanode run`
 * with scheme files for the simulated devices, checked from an MQTT client over the embedded
 * broker the agent starts when none answers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { check, expectEqual, expectNear, run, waitFor } from './harness.js';
import { simInterrupts } from './backend.js';
import * as sim from './sim.js';

const BASE = 'han/hil';
const PORT = 18883;

const SCHEMES: Record<string, string> = {
  'relay.yaml': `outputs:\n  - { id: relay, driver: gpio-out, pin: ${sim.RELAY_PIN}, initial: "OFF" }\n`,
  'door.yaml': `inputs:\n  - { id: door, driver: gpio-in, pin: "GPIO${sim.INPUT_PIN}", debounce: 20ms }\n`,
  'porch.yaml': `inputs:\n  - { id: porch, driver: gpio-in, pin: ${sim.BUTTON_PIN}, pull: up, debounce: 20ms }\n`,
  'soil.yaml': `inputs:\n  - { id: soil, driver: mcp3008, bus: 0, device: 0, channel: 0, vref: 3.3, interval: 2s }\n`,
  'tank.yaml':
    'inputs:\n' +
    `  - { id: tank-top, driver: ds18b20, sensor_id: ${sim.DS18B20_IDS[0]}, interval: 2s }\n` +
    `  - { id: tank-bottom, driver: ds18b20, sensor_id: ${sim.DS18B20_IDS[1]}, interval: 2s }\n`,
  'climate.yaml': `inputs:\n  - { id: climate, driver: bme280, bus: ${sim.I2C_BUS}, address: 0x76, interval: 2s }\n`,
  'attic.yaml': `inputs:\n  - { id: attic, driver: bmp280, bus: ${sim.I2C_BUS}, address: 0x77, interval: 2s }\n`,
};

interface Seen {
  topic: string;
  text: string;
}

export async function scanChecks(repo: string): Promise<void> {
  let scan: {
    gpiochips: { label: string; base: number; ngpio: number }[];
    i2c: { bus: number; addresses: { address: number }[] }[];
    spi: { bus: number; device: number; path: string }[];
    onewire: string[];
  };
  try {
    scan = JSON.parse(run('node', [join(repo, 'bin/hanode.js'), 'scan', '--json', '--hardware', 'linux']));
  } catch (err) {
    await check('scan: hanode scan --json --hardware linux runs and prints JSON', () => {
      throw err;
    });
    return;
  }
  await check('scan: hanode scan --json lists the gpiochip pinctrl-bcm2711 with its base and 58 lines', () => {
    const chip = scan.gpiochips.find((c) => c.label === sim.GPIO_LABEL);
    expectEqual(chip && { base: chip.base, ngpio: chip.ngpio }, { base: sim.gpioBase(), ngpio: 58 }, 'chip');
  });
  await check('scan: hanode scan --json lists I2C bus 0 with 0x20, 0x76 and 0x77', () => {
    const bus = scan.i2c.find((b) => b.bus === sim.I2C_BUS);
    expectEqual(bus?.addresses.map((a) => a.address), [0x20, 0x76, 0x77], 'addresses');
  });
  await check('scan: hanode scan --json lists /dev/spidev0.0', () => {
    expectEqual(scan.spi, [{ bus: 0, device: 0, path: '/dev/spidev0.0' }], 'spi');
  });
  await check('scan: hanode scan --json lists both DS18B20s on 1-wire', () => {
    expectEqual(scan.onewire, [...sim.DS18B20_IDS], 'onewire');
  });
}

export async function agentChecks(repo: string): Promise<void> {
  const dir = '/tmp/hil-agent';
  mkdirSync(join(dir, 'schemes'), { recursive: true });
  writeFileSync(
    join(dir, 'hanode.yaml'),
    `node: { id: hil }\nbase_topic: han\nbroker: { host: 127.0.0.1, port: ${PORT} }\nhardware: linux\n` +
      `schemes: ${join(dir, 'schemes')}\ndata: ${join(dir, 'data')}\nlog_level: warn\nhomeassistant: { discovery: false }\n`,
  );
  for (const [file, text] of Object.entries(SCHEMES)) writeFileSync(join(dir, 'schemes', file), text);
  sim.setPull(sim.INPUT_PIN, 'pull-down');
  sim.setSpiResponse([0x00, 0x02, 0x00]);

  const agent: ChildProcess = spawn('node', [join(repo, 'bin/hanode.js'), 'run', '-c', join(dir, 'hanode.yaml'), '--hardware', 'linux'], {
    cwd: dir,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  let exited: number | null | undefined;
  agent.on('exit', (code) => (exited = code));
  const seen: Seen[] = [];
  let client: MqttClient | undefined;
  try {
    const started = await check('agent: hanode run --hardware linux starts and the embedded broker answers', async () => {
      client = await waitFor('the embedded broker', 300_000, async () => {
        if (exited !== undefined) throw new Error(`hanode run exited with ${exited}`);
        try {
          return await mqtt.connectAsync(`mqtt://127.0.0.1:${PORT}`, { reconnectPeriod: 0, connectTimeout: 2000 });
        } catch {
          return undefined;
        }
      });
      client.on('message', (topic, payload) => seen.push({ topic, text: payload.toString() }));
      await client.subscribeAsync(`${BASE}/#`, { qos: 1 });
    });
    if (!started || !client) return;
    const c = client;
    const latest = (topic: string, match: (value: any) => boolean = () => true, after = 0) =>
      waitFor(`a message on ${topic}`, 120_000, () => {
        for (const m of seen.slice(after).reverse()) {
          if (m.topic !== topic) continue;
          const value = m.text.startsWith('{') ? JSON.parse(m.text) : m.text;
          if (match(value)) return value;
        }
        return undefined;
      });

    await check(`agent: ${BASE}/status is online and $info names the linux hardware`, async () => {
      expectEqual(await latest(`${BASE}/status`), 'online', 'status');
      expectEqual((await latest(`${BASE}/$info`)).hardware, 'linux', '$info.hardware');
    });
    await check('agent: mcp3008 over spi-virt publishes raw 512 and 1.65 V on han/hil/soil', async () => {
      const state = await latest(`${BASE}/soil`);
      expectEqual(state.raw, 512, 'raw');
      expectNear(state.voltage, 1.65, 0.0005, 'voltage');
    });
    await check('agent: a new scripted SPI answer (0x155 = 341) arrives as the next soil reading', async () => {
      const mark = seen.length;
      sim.setSpiResponse([0x00, 0x01, 0x55]);
      const state = await latest(`${BASE}/soil`, (v) => v.raw !== 512, mark);
      expectEqual(state.raw, 341, 'raw');
      expectNear(state.voltage, 1.099, 0.0005, 'voltage');
    });
    await check('agent: both DS18B20s publish their w1_therm temperatures (21.5 °C and -3.25 °C)', async () => {
      expectEqual((await latest(`${BASE}/tank-top`)).temperature, 21.5, 'tank-top');
      expectEqual((await latest(`${BASE}/tank-bottom`)).temperature, -3.25, 'tank-bottom');
    });
    await check('agent: a DS18B20 temperature changed in w1-sim arrives over MQTT (18.75 °C)', async () => {
      const mark = seen.length;
      sim.setW1Temperature(2, 18750);
      expectEqual((await latest(`${BASE}/tank-bottom`, (v) => v.temperature !== -3.25, mark)).temperature, 18.75, 'tank-bottom');
    });
    await check('agent: relay ON over /set drives the gpio-sim line high and the state comes back ON', async () => {
      const mark = seen.length;
      await c.publishAsync(`${BASE}/relay/set`, 'ON', { qos: 1 });
      await latest(`${BASE}/relay`, (v) => v.state === 'ON', mark);
      expectEqual(sim.lineValue(sim.RELAY_PIN), 1, `sim_gpio${sim.RELAY_PIN}/value`);
    });
    await check('agent: relay OFF over /set drives the line low again', async () => {
      const mark = seen.length;
      await c.publishAsync(`${BASE}/relay/set`, 'OFF', { qos: 1 });
      await latest(`${BASE}/relay`, (v) => v.state === 'OFF', mark);
      expectEqual(sim.lineValue(sim.RELAY_PIN), 0, `sim_gpio${sim.RELAY_PIN}/value`);
    });
    await check('agent: a gpio-in edge driven through sim_gpio27/pull arrives as ON then OFF, each from an interrupt', async () => {
      expectEqual((await latest(`${BASE}/door`)).state, 'OFF', 'initial state');
      for (const [pull, state] of [['pull-up', 'ON'], ['pull-down', 'OFF']] as const) {
        const mark = seen.length;
        const irqs = simInterrupts();
        sim.setPull(sim.INPUT_PIN, pull);
        await latest(`${BASE}/door`, (v) => v.state === state, mark);
        if (simInterrupts() <= irqs) throw new Error(`${state} arrived without a gpio-sim interrupt`);
      }
    });
    await check(`agent: gpio-in with pull: up on the undriven GPIO${sim.BUTTON_PIN} publishes ON, and OFF when gpio-sim pulls the line down`, async () => {
      expectEqual((await latest(`${BASE}/porch`)).state, 'ON', 'initial state');
      const mark = seen.length;
      sim.setPull(sim.BUTTON_PIN, 'pull-down');
      await latest(`${BASE}/porch`, (v) => v.state === 'OFF', mark);
    });
    // i2c-stub only speaks SMBus: the drivers' plain writes reach it through the backend's
    // SMBus translation (src/hardware/linux/smbus.ts), and their register reads as block reads.
    await check('agent: bme280 on i2c-stub publishes 25.08 °C, 1006.53 hPa, 56.2 %RH on han/hil/climate', async () => {
      const state = await latest(`${BASE}/climate`);
      expectEqual([state.temperature, state.pressure, state.humidity], [25.08, 1006.53, 56.2], 'temperature, pressure, humidity');
    });
    await check('agent: bmp280 at 0x77 (chip id 0x58) publishes 25.08 °C and 1006.53 hPa, no humidity, on han/hil/attic', async () => {
      const state = await latest(`${BASE}/attic`);
      expectEqual([state.temperature, state.pressure, state.humidity], [25.08, 1006.53, undefined], 'temperature, pressure, humidity');
    });
    await check('agent: every scheme is online (no start failures on any bus)', async () => {
      for (const id of ['relay', 'door', 'porch', 'soil', 'tank-top', 'tank-bottom', 'climate', 'attic']) {
        expectEqual(await latest(`${BASE}/${id}/availability`), 'online', `${id} availability`);
      }
    });
  } finally {
    if (client) await client.endAsync().catch(() => undefined);
    if (exited === undefined) {
      const done = new Promise((resolve) => agent.once('exit', resolve));
      agent.kill('SIGTERM');
      await done;
    }
    const errors = seen.filter((m) => m.topic === `${BASE}/$error`).map((m) => m.text);
    if (errors.length > 0) console.log(`# $error messages during the run:\n#   ${errors.join('\n#   ')}`);
  }
}
