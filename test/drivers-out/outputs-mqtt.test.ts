/**
 * The display, command, http and email outputs through the whole agent over a private Mosquitto,
 * under sim: commands go in on B/N/S/set, states come out on B/N/S, refusals on $error, and the
 * displays' bytes land in the simulated SSD1306 GDDRAM and HD44780 DDRAM.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { useBroker } from '../helpers/broker-fixture.js';
import { startAgent } from '../helpers/agent.js';
import type { Agent } from '../../src/agent/agent.js';
import type { SimHardware } from '../../src/hardware/sim/index.js';
import type { Ssd1306Chip } from '../../src/hardware/sim/chips/ssd1306.js';
import type { Hd44780Chip } from '../../src/hardware/sim/chips/hd44780.js';
import { renderFrame } from '../../src/drivers-out/ssd1306-frame.js';

const N = 'outputs-pi';
const T = (s: string) => `han/${N}/${s}`;
const dir = mkdtempSync(join(tmpdir(), 'hanode-outputs-'));
const argvFile = join(dir, 'argv.json');
const marker = join(dir, 'pwned');
const recorder = join(dir, 'record');
writeFileSync(recorder, `#!${process.execPath}\nrequire('fs').writeFileSync(${JSON.stringify(argvFile)}, JSON.stringify(process.argv.slice(2)));\n`);
chmodSync(recorder, 0o755);

/** Polls `check` until it holds (the display redraw follows the input's publish asynchronously). */
async function eventually(check: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('outputs over MQTT (displays, command, http, email)', () => {
  const broker = useBroker();
  let agent: Agent;
  let sim: SimHardware;
  const hooks: string[] = [];
  const mails: string[] = [];
  const web = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d)).on('end', () => {
      hooks.push(body);
      res.writeHead(202).end();
    });
  });
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _s, cb) {
      let raw = '';
      stream.on('data', (d: Buffer) => (raw += d.toString())).on('end', () => (mails.push(raw), cb()));
    },
  });

  broker.before(async () => {
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    const webPort = (web.address() as AddressInfo).port;
    const smtpPort = (smtp.server.address() as AddressInfo).port;
    ({ agent } = await startAgent({
      url: broker.url,
      node: N,
      schemes: {
        'climate.yaml': `
inputs:
  - { id: kitchen-climate, driver: bme280, interval: 100ms, filters: [ { round: 1 } ] }
`,
        'outputs.yaml': `
outputs:
  - { id: oled, driver: ssd1306, lines: ["Kitchen", "{{kitchen-climate.temperature}} °C"] }
  - { id: lcd, driver: hd44780, lines: ["Kitchen {{kitchen-climate.temperature}}°C"] }
  - id: volume
    driver: command
    argv: [${recorder}, set, Master, "{volume}%"]
    args: { volume: { type: integer, min: 0, max: 100 } }
  - id: say
    driver: command
    argv: [${recorder}, "{text}"]
    args: { text: { type: string, pattern: "[A-Za-z ]+" } }
  - { id: hook, driver: http, url: "http://127.0.0.1:${webPort}/in", body: "{{text}}", retries: 0 }
  - { id: mail, driver: email, host: 127.0.0.1, port: ${smtpPort}, from: pi@example.test, to: me@example.test, subject: "{{text}}" }
`,
      },
    }));
    sim = agent.hardware as SimHardware;
  });

  broker.after(async () => {
    await agent?.stop();
    web.closeAllConnections();
    await new Promise((r) => web.close(r));
    await new Promise<void>((r) => smtp.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  test('the displays show the template, follow the sensor, and take text', async () => {
    const oled = sim.device('oled') as Ssd1306Chip;
    const lcd = sim.device('lcd') as Hd44780Chip;
    const since = broker.probe.mark();
    await broker.probe.publish(T('$sim/kitchen-climate/set'), '{"temperature":26.5}');
    await broker.probe.waitForState(T('kitchen-climate'), (s) => s.temperature === 26.5, 5_000, since);
    const frame = renderFrame(['Kitchen', '26.5 °C'], { width: 128, height: 64, scale: 1 });
    await eventually(() => Buffer.compare(oled.ram, frame) === 0, 'the OLED framebuffer shows 26.5 °C');
    await eventually(() => lcd.rows()[0] === 'Kitchen 26.5°C  ', `the LCD shows 26.5°C (has ${JSON.stringify(lcd.rows())})`);
    assert.equal(lcd.ddram[0x0c], 0xdf);
    assert.deepEqual(lcd.errors, []);
    // The redraw is published too, so the state topic says what the display shows.
    await broker.probe.waitForState(T('oled'), (s) => s.text === 'Kitchen\n26.5 °C', 3_000, since);
    await broker.probe.waitForState(T('lcd'), (s) => s.text === 'Kitchen 26.5°C', 3_000, since);

    const set = broker.probe.mark();
    await broker.probe.publish(T('oled/set'), 'Hello from MQTT');
    const s = await broker.probe.waitForState(T('oled'), (s) => s.text === 'Hello from MQTT', 3_000, set);
    assert.deepEqual([s.state, s.contrast], ['ON', 127]);
    assert.deepEqual(oled.ram, renderFrame(['Hello from MQTT'], { width: 128, height: 64, scale: 1 }));
    await broker.probe.publish(T('lcd/set'), '{"lines":["Line one","Line two"],"backlight":false}');
    await broker.probe.waitForState(T('lcd'), (s) => s.backlight === false && s.text === 'Line one\nLine two', 3_000, set);
    assert.deepEqual(lcd.rows(), ['Line one        ', 'Line two        ']);
    assert.equal(lcd.backlight, false);
    await broker.probe.publish(T('oled/set'), '{"contrast":999}');
    const err = await broker.probe.waitFor(T('$error'), (p) => JSON.parse(p).topic === T('oled/set'), 3_000, set);
    assert.match(JSON.parse(err.payload).error, /contrast/);
  });

  test('command: a fitting payload runs; one that does not fit is refused on $error and nothing runs', async () => {
    const since = broker.probe.mark();
    await broker.probe.publish(T('volume/set'), '40');
    await broker.probe.waitForState(T('volume'), (s) => s.result === 'ok' && s.exit_code === 0, 5_000, since);
    assert.deepEqual(JSON.parse(readFileSync(argvFile, 'utf8')), ['set', 'Master', '40%']);
    rmSync(argvFile);
    for (const [topic, payload] of [['volume/set', '{"volume":"; rm -rf /"}'], ['volume/set', '101'], ['say/set', `$(touch ${marker})`], ['say/set', '`id` && reboot']]) {
      const at = broker.probe.mark();
      await broker.probe.publish(T(topic!), payload!);
      const e = await broker.probe.waitFor(T('$error'), (p) => JSON.parse(p).topic === T(topic!), 3_000, at);
      assert.match(JSON.parse(e.payload).error, /^(volume|say): /);
    }
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(existsSync(argvFile), false, 'nothing ran');
    assert.equal(existsSync(marker), false);
    const online = broker.probe.messages.filter((m) => m.topic === T('volume/availability') && m.seq >= since);
    assert.deepEqual(online, [], 'refusals never took the scheme offline');
  });

  test('http and email: the webhook and the mail go out and their states come back', async () => {
    const since = broker.probe.mark();
    await broker.probe.publish(T('hook/set'), 'Door open');
    await broker.probe.waitForState(T('hook'), (s) => s.status === 202 && s.attempts === 1, 5_000, since);
    assert.deepEqual(hooks, ['Door open']);
    await broker.probe.publish(T('mail/set'), 'Door open');
    await broker.probe.waitForState(T('mail'), (s) => s.subject === 'Door open' && s.accepted === 1, 10_000, since);
    assert.equal(mails.length, 1);
    assert.match(mails[0]!, /^Subject: Door open\r$/m);
  });
});
