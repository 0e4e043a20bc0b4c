/**
 * A headless Chromium driven by playwright-core, for the dashboard's browser tests. Debian's
 * `chromium` package at /usr/bin/chromium (or $HANODE_CHROMIUM); a missing browser fails the
 * test with what to install, it never skips.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.HANODE_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Starts Chromium on a fresh profile directory. `bypassCSP` lets a test inject axe-core into pages
 * whose Content-Security-Policy allows only the node's own scripts.
 */
export async function launchChromium(): Promise<{ browser: BrowserContext; close: () => Promise<void> }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: the dashboard's browser tests need it (apt-get install chromium, or set HANODE_CHROMIUM to a Chromium binary)`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'hanode-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    bypassCSP: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
