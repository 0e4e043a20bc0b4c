/**
 * The dashboard feed's bounds (README "Dashboard"): pages at once, a slow page's queue, the log.
 * The first part runs a node over a private Mosquitto and talks to it with fetch; the second feeds
 * a DashboardFeed through the bus and watches what it writes to a response that never drains.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { pino } from 'pino';
import { useBroker } from '../helpers/broker-fixture.js';
import { startNode } from '../helpers/node.js';
import type { Agent } from '../../src/agent/agent.js';
import { EventBus } from '../../src/core/bus.js';
import type { MqttLink } from '../../src/mqtt/link.js';
import { DashboardFeed, DASHBOARD_LIMITS } from '../../src/http/dashboard/feed.js';
import { api, recorderConfig } from '../http/helpers.js';

/** Opens /api/events and reads up to the end of the first event (the snapshot). */
async function openFeed(url: string): Promise<{ status: number; first: any; close: () => void; next: () => Promise<any> }> {
  const abort = new AbortController();
  const res = await fetch(`${url}/api/events`, { signal: abort.signal });
  if (res.status !== 200) return { status: res.status, first: await res.json(), close: () => abort.abort(), next: async () => undefined };
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const next = async () => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = frame.split('\n').find((l) => l.startsWith('data: '));
        if (data) return JSON.parse(data.slice(6));
        continue;
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('the stream ended');
      buffer += value;
    }
  };
  return { status: 200, first: await next(), close: () => abort.abort(), next };
}

describe('the dashboard feed over HTTP', () => {
  const broker = useBroker({ probe: ['han/#'] });
  let agent: Agent;
  let url: string;

  broker.before(async () => {
    agent = await startNode(recorderConfig(broker.url));
    url = agent.http!.url!;
    await broker.probe.waitFor('han/r-node/status', (p) => p === 'online');
  });

  broker.after(() => agent?.stop());

  test('a page gets a snapshot, then states as they are published', async () => {
    const feed = await openFeed(url);
    assert.equal(feed.status, 200);
    assert.equal(feed.first.node, 'r-node');
    assert.equal(feed.first.base, 'han');
    assert.ok(feed.first.nodes.some((n: any) => n.id === 'r-node' && n.status === 'online'));
    assert.ok(Array.isArray(feed.first.log));
    await api(url, '/api/outputs/lamp', { method: 'POST', body: 'ON', headers: { 'content-type': 'text/plain' } });
    for (;;) {
      const e = await feed.next();
      if (e.type === 'state' && e.node === 'r-node' && e.id === 'lamp') {
        assert.equal(e.state.state, 'ON');
        break;
      }
    }
    feed.close();
  });

  test(`at most ${DASHBOARD_LIMITS.clients} pages at once; the next gets 503 until one closes`, async () => {
    const feeds = [];
    for (let i = 0; i < DASHBOARD_LIMITS.clients; i++) {
      const f = await openFeed(url);
      assert.equal(f.status, 200, `page ${i + 1}`);
      feeds.push(f);
    }
    const refused = await openFeed(url);
    assert.equal(refused.status, 503);
    assert.equal(refused.first.error, 'too many live pages');
    assert.match(refused.first.detail, new RegExp(`${DASHBOARD_LIMITS.clients} dashboard pages are open`));
    feeds.pop()!.close();
    // The server sees the close a moment later.
    let again;
    for (let i = 0; i < 50; i++) {
      again = await openFeed(url);
      if (again.status === 200) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(again!.status, 200);
    again!.close();
    for (const f of feeds) f.close();
  });

  test('the dashboard schemes describe fields, units and controls', async () => {
    const { status, body } = await api(url, '/api/dashboard/schemes');
    assert.equal(status, 200);
    const lamp = body.schemes.find((s: any) => s.id === 'lamp');
    assert.deepEqual(lamp.controls, { toggle: true, for: true });
    assert.deepEqual(lamp.fields, [{ name: 'state', type: 'state' }]);
  });

  test('pairing without a gateway is refused with the reason', async () => {
    const { status, body } = await api(url, '/api/dashboard/pair', { method: 'POST', body: { for: '1m' } });
    assert.equal(status, 400);
    assert.match(body.detail, /the gateway is off/);
  });

  test('the page and its files are served, gzipped when asked, and unknown files are 404', async () => {
    const page = await fetch(`${url}/`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type')!, /text\/html/);
    assert.match(await page.text(), /<title>hanode<\/title>/);
    const uplot = await fetch(`${url}/dashboard/vendor/uPlot.iife.min.js`);
    assert.equal(uplot.status, 200);
    const etag = uplot.headers.get('etag')!;
    assert.equal((await fetch(`${url}/dashboard/app.js`, { headers: { 'if-none-match': 'nope' } })).status, 200);
    assert.equal((await fetch(`${url}/dashboard/vendor/uPlot.iife.min.js`, { headers: { 'if-none-match': etag } })).status, 304);
    assert.equal((await fetch(`${url}/dashboard/../package.json`)).status, 404);
    assert.equal((await fetch(`${url}/dashboard/nothing.js`)).status, 404);
  });

  test('the node stops while a page is open, and the page sees its stream end', async () => {
    const feed = await openFeed(url);
    assert.equal(feed.status, 200);
    await agent.stop();
    await assert.rejects(async () => {
      for (;;) await feed.next();
    }, /the stream ended|terminated|aborted/);
  });
});

/** A response that takes the first write and then never drains, as a page on a stalled network. */
class StalledResponse extends EventEmitter {
  written = 0;
  destroyed = false;
  writeHead() {
    return this;
  }
  write(chunk: string) {
    this.written += Buffer.byteLength(chunk);
    return false;
  }
  end() {}
  destroy() {
    this.destroyed = true;
    this.emit('close');
  }
}

class FastResponse extends StalledResponse {
  override write(chunk: string) {
    super.write(chunk);
    return true;
  }
}

describe('the dashboard feed bounds', () => {
  const link = { subscribe() {}, unsubscribe() {} } as unknown as MqttLink;

  test('a page that stops reading is dropped once its queue passes the bound; a page that reads is kept', async () => {
    const bus = new EventBus(pino({ level: 'silent' }));
    const feed = new DashboardFeed({ base: 'han', node: 'n', link, bus, log: pino({ level: 'silent' }) });
    await feed.start();
    const slow = new StalledResponse();
    const fast = new FastResponse();
    assert.equal(feed.attach(slow as unknown as ServerResponse, {}), true);
    assert.equal(feed.attach(fast as unknown as ServerResponse, {}), true);
    const error = 'x'.repeat(4000);
    let sent = 0;
    while (!slow.destroyed && sent < 10_000) {
      bus.emit('error', { topic: 'f.yaml', error });
      sent++;
    }
    assert.ok(slow.destroyed, 'the stalled page is dropped');
    // Each error is a frame of 4,000 to 4,300 bytes: the drop comes once about 1 MiB waits, not before.
    assert.ok(sent >= Math.floor(DASHBOARD_LIMITS.queuedBytes / 4300), `dropped after ${sent} frames`);
    assert.ok(sent <= Math.ceil(DASHBOARD_LIMITS.queuedBytes / 4000) + 1, `dropped after ${sent} frames`);
    assert.equal(feed.clients, 1);
    assert.equal(feed.dropped, 1);
    assert.equal(fast.destroyed, false);
    await feed.stop();
  });

  test(`the log keeps the newest ${DASHBOARD_LIMITS.logEntries} entries`, async () => {
    const bus = new EventBus(pino({ level: 'silent' }));
    const feed = new DashboardFeed({ base: 'han', node: 'n', link, bus, log: pino({ level: 'silent' }) });
    await feed.start();
    for (let i = 1; i <= DASHBOARD_LIMITS.logEntries + 100; i++) bus.emit('error', { topic: `f${i}.yaml`, error: 'bad' });
    const { log } = feed.snapshot();
    assert.equal(log.length, DASHBOARD_LIMITS.logEntries);
    assert.equal(log[0].topic, 'f101.yaml');
    assert.equal(log.at(-1)!.topic, `f${DASHBOARD_LIMITS.logEntries + 100}.yaml`);
    await feed.stop();
  });

  test(`at most ${DASHBOARD_LIMITS.clients} pages attach`, async () => {
    const bus = new EventBus(pino({ level: 'silent' }));
    const feed = new DashboardFeed({ base: 'han', node: 'n', link, bus, log: pino({ level: 'silent' }) });
    await feed.start();
    for (let i = 0; i < DASHBOARD_LIMITS.clients; i++) assert.equal(feed.attach(new FastResponse() as unknown as ServerResponse, {}), true);
    const extra = new FastResponse();
    assert.equal(feed.attach(extra as unknown as ServerResponse, {}), false);
    assert.equal(extra.written, 0);
    await feed.stop();
  });
});
