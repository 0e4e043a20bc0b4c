/**
 * Every page of the dashboard in Chromium (README "Dashboard"): axe-core finds no serious or
 * critical problem, light or dark; nothing is wider than the screen; and the screenshots at
 * desktop width and at 375 px go to docs/screenshots/. The home first sees some life: a rule
 * fires both ways, a command is refused, a lamp is dimmed, a scheme is disabled, a node leaves.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { N, T, axe, shots, startHome, type Home } from './home.js';

describe('the dashboard pages', () => {
  let home: Home;

  before(async () => {
    home = await startHome();
    mkdirSync(shots, { recursive: true });
    const { probe } = home;
    for (const temperature of [31.5, 22.5]) {
      const mark = probe.mark();
      await probe.publish(T('$sim/kitchen-climate/set'), JSON.stringify({ temperature }));
      await probe.publish(T('$request/read'), JSON.stringify({ id: 'kitchen-climate' }));
      // The scheme's filters take 0.4 off and round to 0.1 (schemes/kitchen-climate.yaml), as for every reading.
      const published = Math.round((temperature - 0.4) * 10) / 10;
      await probe.waitForState(T('kitchen-climate'), (s) => s.temperature === published, 5_000, mark);
    }
    await probe.publish(T('kitchen-fan/set'), 'SIDEWAYS');
    await probe.publish(T('desk-lamp/set'), JSON.stringify({ brightness: 40 }));
    await probe.waitForState(T('desk-lamp'), (s) => s.brightness === 40);
    await probe.publish(T('$request/disable'), JSON.stringify({ id: 'fridge-temperature' }));
    await probe.waitFor(T('fridge-temperature/availability'), (p) => p === 'offline');
    await home.other.stop();
  });

  after(async () => {
    await home?.stop();
  });

  test('every page passes axe-core with no serious or critical violation, in light and dark', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      for (const hash of ['#/', `#/scheme/${N}/kitchen-climate`, `#/scheme/${N}/desk-lamp`, '#/hardware', '#/log', '#/gateway']) {
        const page = await home.browser.newPage();
        await page.emulateMedia({ colorScheme });
        await page.goto(`${home.url}/${hash}`);
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
        const page = await home.open(hash, viewport);
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
    const dark = await home.browser.newPage();
    await dark.emulateMedia({ colorScheme: 'dark' });
    await dark.setViewportSize({ width: 1280, height: 900 });
    await dark.goto(`${home.url}/#/`);
    await dark.locator('#live', { hasText: 'live' }).waitFor();
    await dark.screenshot({ path: join(shots, 'home-dark.png') });
    await dark.close();
  });
});
