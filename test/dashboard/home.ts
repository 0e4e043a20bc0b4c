/**
 * The home the dashboard's browser tests run against (README "Dashboard"): a node on sim with
 * every example scheme of schemes/, one invalid file and a rule, recording history, serving the
 * API and the page, running the gateway (one device connected) and a bridge, over a private
 * Mosquitto; a second node publishes beside it; an hour of kitchen readings is in the history.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
import { api } from '../http/helpers.js';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const shots = join(root, 'docs/screenshots');
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
export const N = 'dash-pi';
export const T = (leaf: string) => `han/${N}/${leaf}`;
export const TOKEN = 'a-long-enough-test-token-0123456789';

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
export function exampleNode(url: string, node: string, extra: string): string {
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

export async function startFrom(file: string): Promise<Agent> {
  const config = await loadConfig({ config: file });
  const agent = new Agent({ config, registry: builtinRegistry(), log: createLogger((process.env.HANODE_TEST_LOG as any) ?? 'silent', { pretty: false }), retry: { min: 100, max: 400 } });
  await agent.start();
  return agent;
}

/** Runs axe-core in the page; returns the serious and critical violations, described. */
export async function axe(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axeSource });
  const violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] = await page.evaluate(async () => {
    const g = globalThis as any;
    const result = await g.axe.run(g.document, { resultTypes: ['violations'] });
    return result.violations;
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}


export interface Home {
  mosquitto: Mosquitto;
  probe: Probe;
  agent: Agent;
  other: Agent;
  browser: BrowserContext;
  url: string;
  /** The ids of the example schemes, from the node's $info. */
  schemes: string[];
  /** A new page at `hash`, once the live feed is up. */
  open(hash?: string, viewport?: { width: number; height: number }): Promise<Page>;
  stop(): Promise<void>;
}

export async function startHome(): Promise<Home> {
  const mosquitto = await Mosquitto.start();
  const probe = await Probe.connect(mosquitto.url, ['han/#']);
  const gatewayPort = await freePort();
  const agent = await startFrom(
    exampleNode(
      mosquitto.url,
      N,
      `history: {}\nhttp: { port: 0 }\ngateway: { tcp: { host: 127.0.0.1, port: ${gatewayPort} }, allow: [garage-esp] }\n` +
        `bridges:\n  - { id: cloud, type: mqtt, url: "${mosquitto.url}", forward: [ { from: "han/${N}/kitchen-climate", to: "cloud/kitchen" } ] }\n`,
    ),
  );
  const url = agent.http!.url!;
  const other = await startNode(nodeDir({ url: mosquitto.url, node: 'shed-pi', schemes: { 's.yaml': 'inputs:\n  - { id: shed-temp, name: Shed temperature, driver: ds18b20, sensor_id: 28-00000a1b2c3d, interval: 1s }\n' } }));
  const info = JSON.parse((await probe.waitFor(T('$info'))).payload);
  await probe.waitFor(T('status'), (p) => p === 'online');
  await probe.waitFor('han/shed-pi/status', (p) => p === 'online');
  const device = await identified(agent, 'garage-esp');
  // An hour of kitchen readings in the history, one a minute, as the recorder would have them.
  const now = Date.now();
  for (let i = 60; i >= 1; i--) {
    const ts = new Date(now - i * 60_000).toISOString();
    const payload = { temperature: Math.round((21 + 2 * Math.sin(i / 9)) * 10) / 10, humidity: Math.round(45 + 6 * Math.cos(i / 13)), pressure: Math.round((1013 + Math.sin(i / 20)) * 10) / 10, ts };
    const { status } = await api(url, '/api/records', { method: 'POST', body: { topic: T('kitchen-climate'), payload, ts } });
    assert.equal(status, 201);
  }
  const { browser, close } = await launchChromium();
  return {
    mosquitto,
    probe,
    agent,
    other,
    browser,
    url,
    schemes: [...info.inputs, ...info.outputs],
    async open(hash = '#/', viewport = { width: 1280, height: 900 }) {
      const page = await browser.newPage();
      await page.setViewportSize(viewport);
      await page.goto(`${url}/${hash}`);
      await page.locator('#live', { hasText: 'live' }).waitFor({ timeout: 10_000 });
      return page;
    },
    async stop() {
      await close();
      device.close();
      await other.stop();
      await agent.stop();
      await probe.close();
      await mosquitto.stop();
    },
  };
}
