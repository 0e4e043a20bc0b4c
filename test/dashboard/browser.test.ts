/**
 * The dashboard in a real headless Chromium (README "Dashboard"): a node on sim runs every example
 * scheme of schemes/ plus one invalid file, records history, serves the API and the page, and runs
 * the gateway and a bridge, over a private Mosquitto; another node publishes beside it. Each
 * page's screenshot at desktop width and at 375 px goes to docs/screenshots/.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { Mosquitto, freePort } from '../helpers/mosquitto.js';
import { Probe } from '../helpers/probe.js';
import { startNode, nodeDir } from '../helpers/node.js';
import { launchChromium } from '../helpers/browser.js';
import { Agent } from '../../src/agent/agent.js';
import { loadConfig } from '../../src/config/config.js';
import { builtinRegistry } from '../../src/cli/registry.js';
import { createLogger } from '../../src/core/log.js';
import { identified } from '../gateway/device.js';
import { api, eventually } from '../http/helpers.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const shots = join(root, 'docs/screenshots');
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const N = 'dash-pi';
const T = (leaf: string) => `han/${N}/${leaf}`;
const TOKEN = 'a-long-enough-test-token-0123456789';

const BROKEN = `inputs:
  - id: broken-sensor
    driver: bme280
    intervall: 30s
`;

const HOT = `rules:
  - id: kitchen-hot
    when: { all: [ { fact: kitchen-climate, path: $.temperature, operator: greaterThan, value: 30 } ] }
    then: [ { publish: { topic: test/kitchen, payload: hot } } ]
    else: [ { publish: { topic: test/kitchen, payload: fine } } ]
`;

/** A node directory with every example scheme, an invalid file, and hanode.yaml with the given extra sections. */
function exampleNode(url: string, node: string, extra: string): string {
  const dir = nodeDir({ url, node, schemes: {} }).dir;
  for (const file of readdirSync(join(root, 'schemes'))) writeFileSync(join(dir, 'schemes', file), readFileSync(join(root, 'schemes', file)));
  writeFileSync(join(dir, 'schemes', 'broken.yaml'), BROKEN);
  writeFileSync(join(dir, 'schemes', 'hot.yaml'), HOT);
  writeFileSync(
    join(dir, 'hanode.yaml'),
    `node: { id: ${node} }\nmqtt: { url: "${url}" }\nschemes: ./schemes\ndata: ./data\nhardware: sim\nlog_level: warn\n${extra}`,
  );
  return join(dir, 'hanode.yaml');
}

async function startFrom(file: string): Promise<Agent> {
  const config = await loadConfig({ config: file });
  const agent = new Agent({ config, registry: builtinRegistry(), log: createLogger((process.env.HANODE_TEST_LOG as any) ?? 'silent', { pretty: false }), retry: { min: 100, max: 400 } });
  await agent.start();
  return agent;
}

/** Runs axe-core in the page; returns the serious and critical violations, described. */
async function axe(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axeSource });
  const violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] = await page.evaluate(async () => {
    const g = globalThis as any;
    const result = await g.axe.run(g.document, { resultTypes: ['violations'] });
    return result.violations;
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('the dashboard in Chromium', () => {
  let mosquitto: Mosquitto;
  let probe: Probe;
  let agent: Agent;
  let other: Agent;
  let browser: BrowserContext;
  let closeBrowser: () => Promise<void>;
  let url: string;
  let device: Awaited<ReturnType<typeof identified>>;
  const expectedSchemes: string[] = [];

  before(async () => {
    mosquitto = await Mosquitto.start();
    probe = await Probe.connect(mosquitto.url, ['han/#']);
    const gatewayPort = await freePort();
    agent = await startFrom(
      exampleNode(
        mosquitto.url,
        N,
        `history: {}\nhttp: { port: 0 }\ngateway: { tcp: { host: 127.0.0.1, port: ${gatewayPort} }, allow: [garage-esp] }\n` +
          `bridges:\n  - { id: cloud, type: mqtt, url: "${mosquitto.url}", forward: [ { from: "han/${N}/kitchen-climate", to: "cloud/kitchen" } ] }\n`,
      ),
    );
    url = agent.http!.url!;
    other = await startNode(nodeDir({ url: mosquitto.url, node: 'shed-pi', schemes: { 's.yaml': 'inputs:\n  - { id: shed-temp, name: Shed temperature, driver: ds18b20, sensor_id: 28-00000a1b2c3d, interval: 1s }\n' } }));
    const info = JSON.parse((await probe.waitFor(T('$info'))).payload);
    expectedSchemes.push(...info.inputs, ...info.outputs);
    await probe.waitFor(T('status'), (p) => p === 'online');
    await probe.waitFor('han/shed-pi/status', (p) => p === 'online');
    device = await identified(agent, 'garage-esp');
    // An hour of kitchen readings in the history, one a minute, as the recorder would have them.
    const now = Date.now();
    for (let i = 60; i >= 1; i--) {
      const ts = new Date(now - i * 60_000).toISOString();
      const payload = { temperature: Math.round((21 + 2 * Math.sin(i / 9)) * 10) / 10, humidity: Math.round(45 + 6 * Math.cos(i / 13)), pressure: Math.round((1013 + Math.sin(i / 20)) * 10) / 10, ts };
      const { status } = await api(url, '/api/records', { method: 'POST', body: { topic: T('kitchen-climate'), payload, ts } });
      assert.equal(status, 201);
    }
    ({ browser, close: closeBrowser } = await launchChromium());
    mkdirSync(shots, { recursive: true });
  });

  after(async () => {
    await closeBrowser?.();
    device?.close();
    await other?.stop();
    await agent?.stop();
    await probe?.close();
    await mosquitto?.stop();
  });

  async function open(hash = '#/', viewport = { width: 1280, height: 900 }): Promise<Page> {
    const page = await browser.newPage();
    await page.setViewportSize(viewport);
    await page.goto(`${url}/${hash}`);
    await page.locator('#live', { hasText: 'live' }).waitFor({ timeout: 10_000 });
    return page;
  }

  test('the home page lists the example schemes with live values', async () => {
    const page = await open();
    assert.ok(expectedSchemes.length >= 20, `the examples give ${expectedSchemes.length} schemes`);
    for (const id of expectedSchemes) await page.locator(`li[data-scheme="${N}/${id}"]`).waitFor({ timeout: 5_000 });
    // Values as published, with units, for an input; the other node is there too.
    const climate = JSON.parse((await probe.waitFor(T('kitchen-climate'))).payload);
    await page.locator(`li[data-scheme="${N}/kitchen-climate"] [data-field="temperature"]`, { hasText: `${climate.temperature} °C` }).waitFor();
    await page.locator('li[data-scheme="shed-pi/shed-temp"] [data-field="temperature"]').waitFor();
    assert.equal(await page.locator(`section[data-node="${N}"] .badge`).textContent(), 'online');
    await page.close();
  });

  test('a $sim change shows on the page within 1 s', async () => {
    const page = await open();
    await page.locator(`li[data-scheme="${N}/kitchen-climate"] [data-field="temperature"]`).waitFor();
    const mark = probe.mark();
    const at = Date.now();
    await probe.publish(T('$sim/kitchen-climate/set'), JSON.stringify({ temperature: 31.5 }));
    await probe.publish(T('$request/read'), JSON.stringify({ id: 'kitchen-climate' }));
    const state = await probe.waitForState(T('kitchen-climate'), (s) => s.temperature > 30, 1_000, mark);
    await page
      .locator(`li[data-scheme="${N}/kitchen-climate"] [data-field="temperature"]`, { hasText: `${state.temperature} °C` })
      .waitFor({ timeout: Math.max(1, 1_000 - (Date.now() - at)) });
    await page.close();
  });

  test('a relay toggle sends the command and follows the published state, not the click', async () => {
    const page = await open();
    const toggle = page.locator('#c-kitchen-fan-toggle');
    await toggle.waitFor();
    const before = (await toggle.getAttribute('aria-checked')) === 'true';
    const want = before ? 'OFF' : 'ON';
    const mark = probe.mark();
    await toggle.click();
    await probe.waitForState(T('kitchen-fan'), (s) => s.state === want, 5_000, mark);
    await page.locator(`#c-kitchen-fan-toggle[aria-checked="${String(!before)}"]`).waitFor({ timeout: 2_000 });
    // A command from elsewhere moves the toggle too.
    await probe.publish(T('kitchen-fan/set'), before ? 'ON' : 'OFF');
    await page.locator(`#c-kitchen-fan-toggle[aria-checked="${String(before)}"]`).waitFor({ timeout: 2_000 });
    // A click whose command never reaches the node leaves the toggle as the node says.
    await page.route('**/api/outputs/**', (route) => route.abort());
    await toggle.click();
    await page.locator('#c-kitchen-fan-msg').filter({ hasText: /\S/ }).waitFor();
    assert.equal(await toggle.getAttribute('aria-checked'), String(before));
    await page.unroute('**/api/outputs/**');
    // The slider of a pwm output sends {"brightness"} and shows the published value.
    const slider = page.locator('#c-desk-lamp-slider');
    const lampMark = probe.mark();
    await slider.focus();
    await slider.fill('40');
    await probe.waitForState(T('desk-lamp'), (s) => s.brightness === 40, 5_000, lampMark);
    await page.locator(`li[data-scheme="${N}/desk-lamp"] output`, { hasText: '40 %' }).waitFor();
    await page.close();
  });

  test('a chart has points from history, and new points stream in', async () => {
    await eventually(async () => {
      const { body } = await api(url, `/api/records?topic=${encodeURIComponent(T('kitchen-climate'))}`);
      assert.ok(body.records.length >= 1);
    });
    const page = await open(`#/scheme/${N}/kitchen-climate`);
    const chart = page.locator('.chart[data-chart="temperature"]');
    await chart.locator('canvas').waitFor({ timeout: 10_000 });
    const count = async () => Number(/: (\d+) points/.exec((await chart.getAttribute('aria-label')) ?? '')?.[1]);
    const first = await count();
    assert.ok(first >= 1, `the chart has ${first} points from history`);
    await probe.publish(T('$sim/kitchen-climate/set'), JSON.stringify({ temperature: 22.5 }));
    await probe.publish(T('$request/read'), JSON.stringify({ id: 'kitchen-climate' }));
    await eventually(async () => assert.ok((await count()) > first, 'the new reading is added'), 5_000);
    await page.close();
  });

  test('the hardware page lists the simulated I2C addresses and shows the draft schemes', async () => {
    const info = JSON.parse((await probe.waitFor(T('$info'))).payload);
    const addresses: string[] = info.scan.i2c.flatMap((b: any) => b.addresses.map((a: any) => a.hex));
    assert.ok(addresses.length >= 3, `sim answers at ${addresses.join(', ')}`);
    const page = await open('#/hardware');
    const card = page.locator(`section[aria-labelledby="hw-${N}"]`);
    for (const hex of addresses) await card.locator('td', { hasText: new RegExp(`^${hex}$`) }).first().waitFor();
    await card.locator('#draft-button').click();
    await card.locator('text=What hanode scan --write').waitFor();
    assert.ok((await card.locator('pre[data-draft], li').count()) > 0);
    await page.close();
  });

  test("an invalid scheme file's error appears in the errors view, with rule firings and new errors as they come", async () => {
    const page = await open('#/log');
    const entry = page.locator('ol.log li[data-kind="error"]', { hasText: 'broken.yaml' });
    await entry.first().waitFor();
    assert.match((await entry.first().textContent())!, /broken\.yaml:\d+:\d+: .*intervall/);
    // The $sim test made the kitchen hot and the chart test cooled it: both firings are there.
    await page.locator('ol.log li[data-kind="rule"]', { hasText: 'kitchen-hot fired then' }).waitFor();
    await page.locator('ol.log li[data-kind="rule"]', { hasText: 'kitchen-hot fired else' }).waitFor();
    // A rejected command arrives while the page is open, newest first.
    await probe.publish(T('kitchen-fan/set'), 'SIDEWAYS');
    await page.locator('ol.log li:first-child[data-kind="error"]', { hasText: 'kitchen-fan' }).waitFor();
    await page.selectOption('#log-kind', 'rule');
    assert.equal(await page.locator('ol.log li[data-kind="error"]').count(), 0);
    await page.selectOption('#log-kind', 'all');
    // The filter narrows the list.
    await page.fill('#log-filter', 'no-such-words-anywhere');
    assert.equal(await page.locator('ol.log li').count(), 0);
    await page.close();
  });

  test('the gateway page shows devices, opens the pairing window and shows the bridge', async () => {
    const page = await open('#/gateway');
    await page.locator('td', { hasText: 'garage-esp' }).waitFor();
    await page.locator('td', { hasText: 'cloud' }).waitFor();
    await page.fill('#pair-for', '30s');
    await page.click('#pair-button');
    await page.locator('#pair-msg', { hasText: 'Pairing open until' }).waitFor();
    await page.close();
  });

  test('a node that goes offline, and a scheme that is offline, are shown as such', async () => {
    const page = await open();
    await page.locator('li[data-scheme="shed-pi/shed-temp"]').waitFor();
    await other.stop();
    await page.locator('section[data-node="shed-pi"].offline .badge', { hasText: 'offline' }).waitFor({ timeout: 5_000 });
    await probe.publish(T('$request/disable'), JSON.stringify({ id: 'fridge-temperature' }));
    await probe.waitFor(T('fridge-temperature/availability'), (p) => p === 'offline');
    await page.locator(`li.offline[data-scheme="${N}/fridge-temperature"] .offline-note`, { hasText: 'offline' }).waitFor({ timeout: 5_000 });
    await page.close();
  });

  test('every page passes axe-core with no serious or critical violation, in light and dark', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      for (const hash of ['#/', `#/scheme/${N}/kitchen-climate`, `#/scheme/${N}/desk-lamp`, '#/hardware', '#/log', '#/gateway']) {
        const page = await browser.newPage();
        await page.emulateMedia({ colorScheme });
        await page.goto(`${url}/${hash}`);
        await page.locator('#live', { hasText: 'live' }).waitFor();
        await page.locator('main h1').waitFor();
        if (hash.startsWith('#/scheme/')) await page.locator('.chart canvas').first().waitFor({ timeout: 10_000 });
        assert.deepEqual(await axe(page), [], `${hash} (${colorScheme})`);
        await page.close();
      }
    }
  });

  test('screenshots of each page at desktop width and at 375 px', async () => {
    const pages = { home: '#/', scheme: `#/scheme/${N}/kitchen-climate`, hardware: '#/hardware', log: '#/log', gateway: '#/gateway' };
    for (const [name, hash] of Object.entries(pages)) {
      for (const [size, viewport] of [['desktop', { width: 1280, height: 900 }], ['375px', { width: 375, height: 812 }]] as const) {
        const page = await open(hash, viewport);
        await page.locator('main h1').waitFor();
        if (name === 'scheme') await page.locator('.chart canvas').first().waitFor({ timeout: 10_000 });
        if (name === 'gateway') await page.locator('td', { hasText: 'garage-esp' }).waitFor();
        // Nothing wider than the screen: the page does not scroll sideways.
        const overflow = await page.evaluate(() => {
          const root = (globalThis as any).document.documentElement;
          return root.scrollWidth - root.clientWidth;
        });
        assert.ok(overflow <= 0, `${name} at ${viewport.width} px is ${overflow} px too wide`);
        await page.screenshot({ path: join(shots, `${name}-${size}.png`), fullPage: size === 'desktop' });
        await page.close();
      }
    }
    const dark = await browser.newPage();
    await dark.emulateMedia({ colorScheme: 'dark' });
    await dark.setViewportSize({ width: 1280, height: 900 });
    await dark.goto(`${url}/#/`);
    await dark.locator('#live', { hasText: 'live' }).waitFor();
    await dark.screenshot({ path: join(shots, 'home-dark.png') });
    await dark.close();
  });
});

describe('the dashboard with a token', () => {
  let mosquitto: Mosquitto;
  let agent: Agent;
  let browser: BrowserContext;
  let closeBrowser: () => Promise<void>;

  before(async () => {
    mosquitto = await Mosquitto.start();
    agent = await startFrom(exampleNode(mosquitto.url, 'locked-pi', `http: { port: 0, token: ${TOKEN} }\n`));
    ({ browser, close: closeBrowser } = await launchChromium());
  });

  after(async () => {
    await closeBrowser?.();
    await agent?.stop();
    await mosquitto?.stop();
  });

  test('a request without the token is refused, and the page asks for it once and keeps it', async () => {
    const url = agent.http!.url!;
    for (const path of ['/api/events', '/api/dashboard/schemes', '/api/state']) assert.equal((await api(url, path)).status, 401, path);
    // The page itself holds no data and loads without the token.
    assert.equal((await fetch(`${url}/`)).status, 200);
    const page = await browser.newPage();
    await page.goto(`${url}/#/`);
    const dialog = page.locator('#token-dialog[open]');
    await dialog.waitFor();
    assert.equal(await page.locator('li[data-scheme]').count(), 0, 'nothing is shown without the token');
    await page.fill('#token-input', TOKEN);
    await page.click('#token-form button[type="submit"]');
    await page.locator('li[data-scheme="locked-pi/kitchen-climate"]').waitFor();
    assert.equal(await page.locator('#token-dialog[open]').count(), 0);
    // Kept in local storage: a new page of the same origin does not ask again.
    const again = await browser.newPage();
    await again.goto(`${url}/#/`);
    await again.locator('#live', { hasText: 'live' }).waitFor();
    await again.locator('li[data-scheme="locked-pi/kitchen-climate"]').waitFor();
    assert.equal(await again.locator('#token-dialog[open]').count(), 0);
    assert.deepEqual(await axe(page), []);
    await page.close();
    await again.close();
  });
});
