/**
 * The dashboard in a real headless Chromium, against the home of ./home.ts (README "Dashboard"):
 * live values, a $sim change, the controls, charts, the hardware page, the log, the gateway page,
 * offline nodes and schemes.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, eventually } from '../http/helpers.js';
import { N, T, startHome, type Home } from './home.js';

describe('the dashboard in Chromium', () => {
  let home: Home;

  before(async () => {
    home = await startHome();
  });

  after(async () => {
    await home?.stop();
  });

  test('the home page lists the example schemes with live values', async () => {
    const page = await home.open();
    assert.ok(home.schemes.length >= 20, `the examples give ${home.schemes.length} schemes`);
    for (const id of home.schemes) await page.locator(`li[data-scheme="${N}/${id}"]`).waitFor({ timeout: 5_000 });
    // Values as published, with units, for an input; the other node is there too.
    const climate = JSON.parse((await home.probe.waitFor(T('kitchen-climate'))).payload);
    await page.locator(`li[data-scheme="${N}/kitchen-climate"] [data-field="temperature"]`, { hasText: `${climate.temperature} °C` }).waitFor();
    await page.locator('li[data-scheme="shed-pi/shed-temp"] [data-field="temperature"]').waitFor();
    assert.equal(await page.locator(`section[data-node="${N}"] .badge`).textContent(), 'online');
    await page.close();
  });

  test('a $sim change shows on the page within 1 s', async () => {
    const page = await home.open();
    await page.locator(`li[data-scheme="${N}/kitchen-climate"] [data-field="temperature"]`).waitFor();
    const mark = home.probe.mark();
    const at = Date.now();
    await home.probe.publish(T('$sim/kitchen-climate/set'), JSON.stringify({ temperature: 31.5 }));
    await home.probe.publish(T('$request/read'), JSON.stringify({ id: 'kitchen-climate' }));
    const state = await home.probe.waitForState(T('kitchen-climate'), (s) => s.temperature > 30, 1_000, mark);
    await page
      .locator(`li[data-scheme="${N}/kitchen-climate"] [data-field="temperature"]`, { hasText: `${state.temperature} °C` })
      .waitFor({ timeout: Math.max(1, 1_000 - (Date.now() - at)) });
    await page.close();
  });

  test('a relay toggle sends the command and follows the published state, not the click', async () => {
    const page = await home.open();
    const toggle = page.locator('#c-kitchen-fan-toggle');
    await toggle.waitFor();
    const before = (await toggle.getAttribute('aria-checked')) === 'true';
    const want = before ? 'OFF' : 'ON';
    const mark = home.probe.mark();
    await toggle.click();
    await home.probe.waitForState(T('kitchen-fan'), (s) => s.state === want, 5_000, mark);
    await page.locator(`#c-kitchen-fan-toggle[aria-checked="${String(!before)}"]`).waitFor({ timeout: 2_000 });
    // A command from elsewhere moves the toggle too.
    await home.probe.publish(T('kitchen-fan/set'), before ? 'ON' : 'OFF');
    await page.locator(`#c-kitchen-fan-toggle[aria-checked="${String(before)}"]`).waitFor({ timeout: 2_000 });
    // A click whose command never reaches the node leaves the toggle as the node says.
    await page.route('**/api/outputs/**', (route) => route.abort());
    await toggle.click();
    await page.locator('#c-kitchen-fan-msg').filter({ hasText: /\S/ }).waitFor();
    assert.equal(await toggle.getAttribute('aria-checked'), String(before));
    await page.unroute('**/api/outputs/**');
    // The slider of a pwm output sends {"brightness"} and shows the published value.
    const slider = page.locator('#c-desk-lamp-slider');
    const lampMark = home.probe.mark();
    await slider.focus();
    await slider.fill('40');
    await home.probe.waitForState(T('desk-lamp'), (s) => s.brightness === 40, 5_000, lampMark);
    await page.locator(`li[data-scheme="${N}/desk-lamp"] output`, { hasText: '40 %' }).waitFor();
    await page.close();
  });

  test('a chart has points from history, and new points stream in', async () => {
    await eventually(async () => {
      const { body } = await api(home.url, `/api/records?topic=${encodeURIComponent(T('kitchen-climate'))}`);
      assert.ok(body.records.length >= 1);
    });
    const page = await home.open(`#/scheme/${N}/kitchen-climate`);
    const chart = page.locator('.chart[data-chart="temperature"]');
    await chart.locator('canvas').waitFor({ timeout: 10_000 });
    const count = async () => Number(/: (\d+) points/.exec((await chart.getAttribute('aria-label')) ?? '')?.[1]);
    const first = await count();
    assert.ok(first >= 1, `the chart has ${first} points from history`);
    await home.probe.publish(T('$sim/kitchen-climate/set'), JSON.stringify({ temperature: 22.5 }));
    await home.probe.publish(T('$request/read'), JSON.stringify({ id: 'kitchen-climate' }));
    await eventually(async () => assert.ok((await count()) > first, 'the new reading is added'), 5_000);
    await page.close();
  });

  test('the hardware page lists the simulated I2C addresses and shows the draft schemes', async () => {
    const info = JSON.parse((await home.probe.waitFor(T('$info'))).payload);
    const addresses: string[] = info.scan.i2c.flatMap((b: any) => b.addresses.map((a: any) => a.hex));
    assert.ok(addresses.length >= 3, `sim answers at ${addresses.join(', ')}`);
    const page = await home.open('#/hardware');
    const card = page.locator(`section[aria-labelledby="hw-${N}"]`);
    for (const hex of addresses) await card.locator('td', { hasText: new RegExp(`^${hex}$`) }).first().waitFor();
    await card.locator('#draft-button').click();
    await card.locator('text=What hanode scan --write').waitFor();
    assert.ok((await card.locator('pre[data-draft], li').count()) > 0);
    await page.close();
  });

  test("an invalid scheme file's error appears in the errors view, with rule firings and new errors as they come", async () => {
    const page = await home.open('#/log');
    const entry = page.locator('ol.log li[data-kind="error"]', { hasText: 'broken.yaml' });
    await entry.first().waitFor();
    assert.match((await entry.first().textContent())!, /broken\.yaml:\d+:\d+: .*intervall/);
    // The $sim test made the kitchen hot and the chart test cooled it: both firings are there.
    await page.locator('ol.log li[data-kind="rule"]', { hasText: 'kitchen-hot fired then' }).waitFor();
    await page.locator('ol.log li[data-kind="rule"]', { hasText: 'kitchen-hot fired else' }).waitFor();
    // A rejected command arrives while the page is open, newest first.
    await home.probe.publish(T('kitchen-fan/set'), 'SIDEWAYS');
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
    const page = await home.open('#/gateway');
    await page.locator('td', { hasText: 'garage-esp' }).waitFor();
    await page.locator('td', { hasText: 'cloud' }).waitFor();
    await page.fill('#pair-for', '30s');
    await page.click('#pair-button');
    await page.locator('#pair-msg', { hasText: 'Pairing open until' }).waitFor();
    await page.close();
  });

  test('a node that goes offline, and a scheme that is offline, are shown as such', async () => {
    const page = await home.open();
    await page.locator('li[data-scheme="shed-pi/shed-temp"]').waitFor();
    await home.other.stop();
    await page.locator('section[data-node="shed-pi"].offline .badge', { hasText: 'offline' }).waitFor({ timeout: 5_000 });
    await home.probe.publish(T('$request/disable'), JSON.stringify({ id: 'fridge-temperature' }));
    await home.probe.waitFor(T('fridge-temperature/availability'), (p) => p === 'offline');
    await page.locator(`li.offline[data-scheme="${N}/fridge-temperature"] .offline-note`, { hasText: 'offline' }).waitFor({ timeout: 5_000 });
    await page.close();
  });
});
