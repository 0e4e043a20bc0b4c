import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpJson } from '../../src/drivers-in/http-json.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import { optionsFor } from './context.js';
import { packInputContext } from './pack-context.js';

/** A weather API shaped like the common ones (current conditions under `current`). */
const WEATHER = {
  location: { name: 'Paris' },
  current: { temp_c: 21.4, humidity: 40, is_day: true, condition: { text: 'Sunny', code: 1000 }, wind_kph: 0, uv: null },
  forecast: [{ max_c: 24 }, { max_c: 19.5 }],
};

const requests: { method?: string; url?: string; headers: IncomingMessage['headers']; body: string }[] = [];
const routes: Record<string, (req: IncomingMessage, res: ServerResponse, body: string) => void> = {
  '/current.json': (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(WEATHER)),
  '/echo': (_req, res, body) => res.writeHead(200).end(JSON.stringify({ got: JSON.parse(body || 'null') })),
  '/down': (_req, res) => res.writeHead(503, 'Service Unavailable').end('{"error":"maintenance"}'),
  '/slow': (_req, res) => void setTimeout(() => res.writeHead(200).end('{}'), 2000).unref(),
  '/html': (_req, res) => res.writeHead(200).end('<html>login</html>'),
  '/huge': (_req, res) => res.writeHead(200).end('[' + '1,'.repeat(600_000) + '1]'),
};
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    requests.push({ method: req.method, url: req.url, headers: req.headers, body });
    const route = routes[new URL(req.url!, 'http://x').pathname];
    if (route) route(req, res, body);
    else res.writeHead(404).end();
  });
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
after(() => {
  server.closeAllConnections();
  server.close();
});

function driver(raw: Record<string, unknown>) {
  const options = optionsFor(httpJson, raw, 'weather');
  return httpJson.create(options, packInputContext(createSimHardware(), 'weather'));
}

test('http-json: GET, JSONPath fields; numbers stay numbers, text stays text, nested values become JSON', async () => {
  const d = driver({
    url: `${base}/current.json?key=secret-key&q=Paris`,
    headers: { 'X-Api-Key': 'abc' },
    fields: {
      temperature: '$.current.temp_c',
      humidity: '$.current.humidity',
      day: '$.current.is_day',
      condition: '$.current.condition.text',
      wind: '$.current.wind_kph',
      uv: '$.current.uv',
      missing: '$.current.pressure_mb',
      highs: '$.forecast[*].max_c',
      warm_days: '$.forecast[?(@.max_c > 20)].max_c',
    },
  });
  await d.start();
  assert.deepEqual(await d.read!(), {
    temperature: 21.4, humidity: 40, day: true, condition: 'Sunny', wind: 0, uv: null, missing: null, highs: '[24,19.5]', warm_days: 24,
  });
  const req = requests.at(-1)!;
  assert.equal(req.method, 'GET');
  assert.equal(req.headers['x-api-key'], 'abc');
  assert.equal(req.headers.accept, 'application/json');
  await d.stop();
});

test('http-json: POST sends a mapping body as JSON', async () => {
  const d = driver({ url: `${base}/echo`, method: 'POST', body: { query: 'status' }, fields: { q: '$.got.query' } });
  assert.deepEqual(await d.read!(), { q: 'status' });
  assert.equal(requests.at(-1)!.headers['content-type'], 'application/json');
});

test('http-json: a non-2xx status, a timeout, a non-JSON or oversized body fail the read; the query (API key) is never shown', async () => {
  const fails = async (path: string, pattern: RegExp, extra: Record<string, unknown> = {}) => {
    const err = await driver({ url: `${base}${path}?key=secret-key`, fields: { v: '$.v' }, ...extra }).read!().then(
      () => assert.fail(`${path} should fail`),
      (e: Error) => e,
    );
    assert.match(err.message, pattern);
    assert.doesNotMatch(err.message, /secret-key/);
  };
  await fails('/down', /^GET http:\/\/127\.0\.0\.1:\d+\/down: HTTP 503 Service Unavailable$/);
  await fails('/nowhere', /HTTP 404/);
  const started = Date.now();
  await fails('/slow', /no answer within 200 ms/, { timeout: '200ms' });
  assert.ok(Date.now() - started < 1500, 'gave up at the timeout');
  await fails('/html', /not JSON \("<html>login<\/html>"\)/);
  await fails('/huge', /larger than 1048576 bytes/);
  // A port that was free a moment ago: nothing listens there.
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  const refused = driver({ url: `http://127.0.0.1:${port}/x`, fields: { v: '$.v' } });
  await assert.rejects(refused.read!(), /GET http:\/\/127\.0\.0\.1:\d+\/x: .*ECONNREFUSED/);
});

test('http-json: schema', () => {
  const ok = httpJson.schema.parse({ url: 'https://api.example.com/x', fields: { temperature: '$.t' } });
  assert.deepEqual(ok, { url: 'https://api.example.com/x', method: 'GET', headers: {}, timeout: 10_000, fields: { temperature: '$.t' }, interval: 300_000 });
  assert.throws(() => httpJson.schema.parse({ url: 'ftp://x/y', fields: { a: '$.a' } }));
  assert.throws(() => httpJson.schema.parse({ url: 'https://x', fields: {} }), /at least one field/);
  assert.throws(() => httpJson.schema.parse({ url: 'https://x', fields: { Temp: '$.a' } }), /snake_case/);
  assert.throws(() => httpJson.schema.parse({ url: 'https://x', fields: { ts: '$.a' } }));
  assert.throws(() => httpJson.schema.parse({ url: 'https://x', fields: { a: 'current.temp' } }), /starts with \$/);
  assert.throws(() => httpJson.schema.parse({ url: 'https://x', fields: { a: '$.a' }, method: 'DELETE' }));
});
