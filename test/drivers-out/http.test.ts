import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CommandError } from '../../src/core/driver.js';
import { http } from '../../src/drivers-out/http.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import { optionsFor } from '../drivers-in/context.js';
import { displayContext, fakeStates } from './display-helpers.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A local server on a free port; `answer` decides each response (n counts from 1). */
async function server(answer: (n: number, res: ServerResponse) => void) {
  const seen: Seen[] = [];
  const s = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      answer(seen.length, res);
    });
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  const close = () => {
    s.closeAllConnections();
    return new Promise<void>((resolve) => s.close(() => resolve()));
  };
  return { seen, base, close };
}

const states = fakeStates({ 'kitchen-climate': { temperature: 21.5 }, door: { state: 'ON' } });
function setup(raw: Record<string, unknown>) {
  return http.create(optionsFor(http, raw, 'hook'), displayContext(createSimHardware(), states, 'hook'));
}

test('http: a templated POST; 2xx publishes the status', async () => {
  const srv = await server((_n, res) => res.writeHead(201).end('created'));
  try {
    const driver = setup({
      url: `${srv.base}/notify/{{text}}?t={{kitchen-climate.temperature}}`,
      headers: { 'X-Door': 'door is {{door.state}}', Authorization: 'Bearer t0k' },
      body: { temperature: '{{kitchen-climate.temperature}}', message: 'Hall: {{text}}', value: '{{value}}', nested: ['{{door.state}}'] },
    });
    assert.deepEqual(await driver.start(), {});
    assert.deepEqual(await driver.apply({ text: 'a b/c' }), { status: 201, attempts: 1 });
    const [req] = srv.seen;
    assert.equal(req!.method, 'POST');
    assert.equal(req!.url, '/notify/a%20b%2Fc?t=21.5', 'URL template values are encoded');
    assert.equal(req!.headers['x-door'], 'door is ON');
    assert.equal(req!.headers.authorization, 'Bearer t0k');
    assert.equal(req!.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(req!.body), { temperature: 21.5, message: 'Hall: a b/c', value: null, nested: ['ON'] });
  } finally {
    await srv.close();
  }
});

test('http: retries on 500 with backoff, then succeeds', async () => {
  const srv = await server((n, res) => res.writeHead(n < 3 ? 500 : 204).end());
  try {
    const driver = setup({ url: `${srv.base}/hook`, retries: 3, backoff: '20ms' });
    await driver.start();
    const t0 = Date.now();
    assert.deepEqual(await driver.apply({ value: 42 }), { status: 204, attempts: 3 });
    assert.ok(Date.now() - t0 >= 55, 'waited 20 ms, then 40 ms');
    assert.equal(srv.seen.length, 3);
    assert.deepEqual(JSON.parse(srv.seen[2]!.body), { value: 42 }, 'no body option: the payload as JSON');
  } finally {
    await srv.close();
  }
});

test('http: gives up after the retries with a CommandError; 4xx is final at once', async () => {
  const srv = await server((n, res) => res.writeHead(n <= 3 ? 503 : 404).end());
  try {
    const driver = setup({ url: `${srv.base}/hook?token=secret`, retries: 2, backoff: '5ms' });
    await driver.start();
    await assert.rejects(driver.apply({ state: 'ON' }), (e: Error) => {
      assert.ok(e instanceof CommandError);
      assert.equal(e.message, `POST ${srv.base}/hook: HTTP 503 Service Unavailable (after 3 attempts)`, 'no query string (tokens) in the message');
      return true;
    });
    await assert.rejects(driver.apply({ state: 'ON' }), { message: `POST ${srv.base}/hook: HTTP 404 Not Found` });
    assert.equal(srv.seen.length, 4);
  } finally {
    await srv.close();
  }
});

test('http: a server that does not answer times out, each attempt', async () => {
  const srv = await server(() => {}); // never answers
  try {
    const driver = setup({ url: `${srv.base}/slow`, timeout: '150ms', retries: 1, backoff: '10ms' });
    await driver.start();
    const t0 = Date.now();
    await assert.rejects(driver.apply({ text: 'x' }), { name: 'CommandError', message: `POST ${srv.base}/slow: timed out after 150 ms (after 2 attempts)` });
    assert.ok(Date.now() - t0 < 2000);
    assert.equal(srv.seen.length, 2);
  } finally {
    await srv.close();
  }
});

test('http: connection refused; GET without a body; text bodies; credentials in the URL become Basic auth', async () => {
  const srv = await server((_n, res) => res.writeHead(200).end('ok'));
  const { base } = srv;
  try {
    const get = setup({ url: `${base}/q?v={{value}}`, method: 'GET' });
    await get.start();
    await get.apply({ value: 3 });
    assert.deepEqual([srv.seen[0]!.method, srv.seen[0]!.url, srv.seen[0]!.body], ['GET', '/q?v=3', '']);
    const text = setup({ url: `http://me:p%40ss@127.0.0.1:${new URL(base).port}/t`, method: 'PUT', body: '{{kitchen-climate.temperature}} °C, {{missing}}!' });
    await text.start();
    await text.apply({ state: 'ON' });
    assert.equal(srv.seen[1]!.body, '21.5 °C, !');
    assert.equal(srv.seen[1]!.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(srv.seen[1]!.headers.authorization, `Basic ${Buffer.from('me:p@ss').toString('base64')}`);
    await assert.rejects(setup({ url: `${base}/x`, method: 'GET', body: 'b' }).start(), /GET request cannot carry a body/);
  } finally {
    await srv.close();
  }
  const closed = await server(() => {});
  await closed.close(); // a port nothing listens on any more, and no pooled connection to it
  const gone = setup({ url: `${closed.base}/x`, retries: 0 });
  await gone.start();
  await assert.rejects(gone.apply({ value: 1 }), (e: Error) => e instanceof CommandError && e.message.startsWith(`POST ${closed.base}/x: connect ECONNREFUSED`));
});

test('http: stop cuts a retry wait short', async () => {
  const srv = await server((_n, res) => res.writeHead(500).end());
  try {
    const driver = setup({ url: `${srv.base}/x`, retries: 5, backoff: '10s' });
    await driver.start();
    const pending = driver.apply({ value: 1 });
    await new Promise((r) => setTimeout(r, 100));
    await driver.stop();
    await assert.rejects(pending, /stopped/);
  } finally {
    await srv.close();
  }
});

test('http: option schema', () => {
  assert.throws(() => http.schema.parse({ url: 'ftp://x' }), /http/);
  assert.throws(() => http.schema.parse({ url: 'https://x', method: 'TRACE' }));
  assert.deepEqual(http.schema.parse({ url: 'https://x' }), { url: 'https://x', method: 'POST', headers: {}, timeout: 10000, retries: 2, backoff: 1000 });
});

test('http: a header-injection attempt is the command\'s error, never the device\'s: no availability change, no backoff', async () => {
  const { EventBus } = await import('../../src/core/bus.js');
  const { OutputScheme } = await import('../../src/runtime/output-scheme.js');
  const { silent } = await import('../drivers-in/context.js');
  const srv = await server((_n, res) => res.writeHead(200).end());
  const bus = new EventBus(silent);
  const availability: boolean[] = [];
  bus.on('availability', {}, (a) => void availability.push(a.online));
  const scheme = new OutputScheme({
    id: 'hook', driver: 'http', bus, log: silent, def: http, options: optionsFor(http, { url: `${srv.base}/x`, headers: { 'X-Note': '{{text}}' } }, 'hook'),
    hardware: createSimHardware(), persist: { get: () => undefined, set: async () => {} }, states,
  });
  try {
    await scheme.start();
    for (let i = 0; i < 5; i++) {
      await assert.rejects(scheme.command({ text: 'a\r\nX: 1' }), /^Error: hook: the command cannot be sent: header X-Note/);
    }
    assert.deepEqual(await scheme.command({ text: 'fine' }), { status: 200, attempts: 1 }, 'the next good command goes straight out');
    assert.deepEqual(availability, [true], 'never offline');
    assert.equal(srv.seen.length, 1);
  } finally {
    await scheme.stop();
    await srv.close();
  }
});
