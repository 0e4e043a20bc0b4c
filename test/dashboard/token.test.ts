/**
 * The dashboard of a node with `http.token` (README "Dashboard"): the API refuses requests
 * without it, and the page asks for it once and keeps it.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext } from 'playwright-core';
import { useBroker } from '../helpers/broker-fixture.js';
import { launchChromium } from '../helpers/browser.js';
import type { Agent } from '../../src/agent/agent.js';
import { api } from '../http/helpers.js';
import { TOKEN, axe, exampleNode, startFrom } from './home.js';

describe('the dashboard with a token', () => {
  const broker = useBroker({ probe: false });
  let agent: Agent;
  let browser: BrowserContext;
  let closeBrowser: () => Promise<void>;

  broker.before(async () => {
    agent = await startFrom(exampleNode(broker.url, 'locked-pi', `http: { port: 0, token: ${TOKEN} }\n`));
    ({ browser, close: closeBrowser } = await launchChromium());
  });

  broker.after(async () => {
    await closeBrowser?.();
    await agent?.stop();
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
