/**
 * The dashboard (`npm run bench -- dashboard`), in Debian's Chromium through playwright-core:
 *
 * - **first load**: a fresh page (cache off) of the home page and of a scheme page with its
 *   chart: bytes of JavaScript and in all, as sent (gzip) and unpacked, and the ms from
 *   navigation to the first live value on the page, median of 5 loads;
 * - **CPU**: an agent (`hanode run`, its own process) with 50 sim schemes read every second,
 *   measured over 30 s with no dashboard open and over 30 s with 5 home pages open, alternated
 *   twice; the figure is the agent's CPU in % of one core from /proc.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'mqtt';
import type { Page } from 'playwright-core';
import { launchChromium } from '../test/helpers/browser.js';
import { freePort } from '../test/helpers/mosquitto.js';
import { startAgentProcess, stopProcess, fmt } from './lib.js';
import { cpuMeter } from './proc.js';

const SCHEMES = 50;
const WINDOW_MS = 30_000;
const LOADS = 5;

interface LoadFigures {
  jsRaw: number;
  jsGzip: number;
  allRaw: number;
  allGzip: number;
  msToLive: number[];
}

function nodeDirectory(port: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'hanode-bench-dash-'));
  mkdirSync(join(dir, 'schemes'));
  const inputs = Array.from({ length: SCHEMES }, (_, i) => `  - { id: t${i}, driver: ds18b20, sensor_id: 28-0000000${String(i).padStart(5, '0')}, interval: 1s }`);
  writeFileSync(join(dir, 'schemes', 'load.yaml'), `inputs:\n${inputs.join('\n')}\n`);
  writeFileSync(join(dir, 'hanode.yaml'), `schemes: ./schemes\ndata: ./data\nhardware: sim\nlog_level: warn\nhistory: {}\nhttp: { port: ${port} }\n`);
  return join(dir, 'hanode.yaml');
}

async function firstLoad(page: Page, url: string, live: string): Promise<{ ms: number; bytes: { url: string; raw: number; gzip: number }[] }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const bytes: { url: string; raw: number; gzip: number }[] = [];
  const pending: Promise<void>[] = [];
  page.on('requestfinished', (request) =>
    pending.push(
      (async () => {
        if (request.url().includes('/api/')) return;
        const response = await request.response();
        const sizes = await request.sizes();
        bytes.push({ url: request.url(), raw: (await response!.body()).length, gzip: sizes.responseBodySize });
      })(),
    ),
  );
  const t0 = performance.now();
  await page.goto(url);
  await page.locator(live).first().waitFor({ timeout: 20_000 });
  const ms = performance.now() - t0;
  // The event stream stays open, so the network is never idle: give late files a second.
  await page.waitForTimeout(1_000);
  await Promise.all(pending);
  await cdp.detach();
  return { ms, bytes };
}

async function loadFigures(open: () => Promise<Page>, url: string, live: string): Promise<LoadFigures> {
  const figures: LoadFigures = { jsRaw: 0, jsGzip: 0, allRaw: 0, allGzip: 0, msToLive: [] };
  for (let i = 0; i < LOADS; i++) {
    const page = await open();
    const { ms, bytes } = await firstLoad(page, url, live);
    figures.msToLive.push(ms);
    if (i === 0) {
      for (const b of bytes) {
        figures.allRaw += b.raw;
        figures.allGzip += b.gzip;
        if (/\.js$/.test(new URL(b.url).pathname)) {
          figures.jsRaw += b.raw;
          figures.jsGzip += b.gzip;
        }
      }
    }
    await page.close();
  }
  figures.msToLive.sort((a, b) => a - b);
  return figures;
}

export async function benchDashboard(brokerUrl: string): Promise<void> {
  const port = await freePort();
  const agent = await startAgentProcess(brokerUrl, 'bench-dash', ['-c', nodeDirectory(port)]);
  const { browser, close } = await launchChromium();
  const url = `http://127.0.0.1:${port}`;
  try {
    const open = () => browser.newPage();
    const home = await loadFigures(open, `${url}/#/`, 'li[data-scheme="bench-dash/t0"] [data-field="temperature"]');
    // Let the recorder gather a few points for the chart.
    const scheme = await loadFigures(open, `${url}/#/scheme/bench-dash/t0`, '.chart[data-chart="temperature"] canvas');
    const kb = (n: number) => `${fmt(n / 1024, 1)} KiB`;
    console.log('\nDashboard first load (cache off), Chromium');
    console.log('| page | JS gzip | JS unpacked | all gzip | all unpacked | ms to first live value, median (min–max) of 5 |');
    console.log('|---|---|---|---|---|---|');
    for (const [name, f] of [['home', home], ['scheme with chart', scheme]] as const) {
      const median = f.msToLive[Math.floor(f.msToLive.length / 2)];
      console.log(`| ${name} | ${kb(f.jsGzip)} | ${kb(f.jsRaw)} | ${kb(f.allGzip)} | ${kb(f.allRaw)} | ${fmt(median, 0)} (${fmt(f.msToLive[0], 0)}–${fmt(f.msToLive.at(-1)!, 0)}) |`);
    }

    // Counts the states the agent publishes, to show the load is what it says.
    const counter = await connect(brokerUrl, { clientId: 'bench-dash-count' });
    await new Promise<void>((resolve) => counter.once('connect', () => resolve()));
    let states = 0;
    counter.on('message', () => states++);
    await counter.subscribeAsync('han/bench-dash/+');
    const countFrom = performance.now();
    const none: number[] = [];
    const five: number[] = [];
    for (let round = 0; round < 2; round++) {
      let meter = cpuMeter(agent.pid!);
      await new Promise((r) => setTimeout(r, WINDOW_MS));
      none.push(meter.percent());
      const pages = await Promise.all(Array.from({ length: 5 }, () => browser.newPage()));
      for (const p of pages) {
        await p.goto(`${url}/#/`);
        await p.locator('li[data-scheme="bench-dash/t0"] [data-field="temperature"]').waitFor({ timeout: 20_000 });
      }
      meter = cpuMeter(agent.pid!);
      await new Promise((r) => setTimeout(r, WINDOW_MS));
      five.push(meter.percent());
      await Promise.all(pages.map((p) => p.close()));
    }
    const rate = states / ((performance.now() - countFrom) / 1000);
    await counter.endAsync();
    console.log(`\nAgent CPU, ${SCHEMES} schemes publishing at 1 Hz (${fmt(rate, 1)} states/s seen on the broker), % of one core over ${WINDOW_MS / 1000} s windows, alternated`);
    console.log('| dashboards open | round 1 | round 2 |');
    console.log('|---|---|---|');
    console.log(`| none | ${fmt(none[0], 1)} % | ${fmt(none[1], 1)} % |`);
    console.log(`| 5 home pages | ${fmt(five[0], 1)} % | ${fmt(five[1], 1)} % |`);
    console.log(`| extra | ${fmt(five[0] - none[0], 1)} % | ${fmt(five[1] - none[1], 1)} % |  (target < 5 %)`);
  } finally {
    await close();
    await stopProcess(agent);
  }
}
