/**
 * The HTTP API beyond loopback: a token is required (or hanode refuses to start, exit 1), every
 * request carries it, failures are counted; and the bounds on concurrent requests and callbacks.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Mosquitto, freePort } from '../helpers/mosquitto.js';
import { useBroker } from '../helpers/broker-fixture.js';
import { startNode } from '../helpers/node.js';
import { hanode } from '../cli/hanode.js';
import type { Agent } from '../../src/agent/agent.js';
import { api, eventually, recorderConfig } from './helpers.js';

const TOKEN = 'correct-horse-battery-staple';

describe('the API on a non-loopback address', () => {
  const broker = useBroker({ probe: false });
  let node: Agent;
  let port: number;

  broker.before(async () => {
    port = await freePort();
    node = await startNode(recorderConfig(broker.url, { http: { host: '0.0.0.0', port, token: TOKEN, max_callbacks: 2 } }));
  });

  broker.after(() => node?.stop());

  const base = () => `http://127.0.0.1:${port}`;
  const failures = async () => {
    const text = (await api(base(), '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } })).body as string;
    return Number(/^hanode_http_auth_failures_total (\d+)$/m.exec(text)?.[1] ?? 0);
  };

  test('401 without the token or with a wrong one; 200 with it; failures counted', async () => {
    const before = await failures();
    const none = await api(base(), '/api/time');
    assert.equal(none.status, 401);
    assert.equal(none.body.error, 'unauthorized');
    assert.equal(none.headers.get('www-authenticate'), 'Bearer');
    assert.equal((await api(base(), '/api/time', { headers: { authorization: `Bearer ${TOKEN}x` } })).status, 401);
    assert.equal((await api(base(), '/api/time', { headers: { authorization: `Bearer ${TOKEN.slice(0, -1)}` } })).status, 401);
    assert.equal((await api(base(), '/api/time', { headers: { authorization: TOKEN } })).status, 401, 'the Bearer scheme is required');
    assert.equal((await api(base(), '/metrics')).status, 401);
    assert.equal((await api(base(), '/api/records?topic=x', { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200);
    assert.equal((await api(base(), '/api/time', { headers: { authorization: `bearer ${TOKEN}` } })).status, 200);
    assert.equal(await failures(), before + 5);
  });

  test('past http.max_callbacks a registration is refused with 409', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const made = await api(base(), '/api/callbacks', { method: 'POST', headers: auth, body: { topic: `cb/${i}`, url: 'http://127.0.0.1:9/hook' } });
      assert.equal(made.status, 201);
      ids.push(made.body.id);
    }
    const third = await api(base(), '/api/callbacks', { method: 'POST', headers: auth, body: { topic: 'cb/3', url: 'http://127.0.0.1:9/hook' } });
    assert.equal(third.status, 409);
    assert.match(third.body.detail, /2 callbacks are registered already/);
    assert.equal((await api(base(), `/api/callbacks/${ids[0]}`, { method: 'DELETE', headers: auth })).status, 200);
    assert.equal((await api(base(), '/api/callbacks', { method: 'POST', headers: auth, body: { topic: 'cb/3', url: 'http://127.0.0.1:9/hook' } })).status, 201);
    const long = await api(base(), '/api/callbacks', { method: 'POST', headers: auth, body: { topic: 'cb/x', url: 'http://h/' + 'p'.repeat(2_048) } });
    assert.equal(long.status, 400);
    const notHttp = await api(base(), '/api/callbacks', { method: 'POST', headers: auth, body: { topic: 'cb/x', url: 'file:///etc/passwd' } });
    assert.equal(notHttp.status, 400);
  });
});

test('http.max_concurrent: a request past the bound gets 503, and one fits again once a slot is free', async () => {
  const mosquitto = await Mosquitto.start();
  const port = await freePort();
  const node = await startNode(recorderConfig(mosquitto.url, { node: 'c-node', http: { port, max_concurrent: 1 } }));
  try {
    // A POST whose body has not finished holds its slot for as long as it stays open.
    const held = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/records', headers: { 'content-type': 'application/json', 'content-length': '100' } });
    const answered = new Promise<number>((resolve) => held.on('response', (res) => (res.resume(), resolve(res.statusCode!))));
    held.write('{"topic":"slow/one",');
    await new Promise((r) => setTimeout(r, 200));
    const busy = await api(`http://127.0.0.1:${port}`, '/api/time');
    assert.equal(busy.status, 503);
    assert.match(busy.body.detail, /1 requests are being served/);
    const rest = '"payload":1}';
    held.end(rest.padEnd(100 - '{"topic":"slow/one",'.length));
    assert.equal(await answered, 201);
    assert.equal((await api(`http://127.0.0.1:${port}`, '/api/time')).status, 200);
    // A client that hangs up mid-request frees its slot too.
    const dropped = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/records', headers: { 'content-type': 'application/json', 'content-length': '100' } });
    dropped.on('error', () => {});
    dropped.write('{"topic":');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await api(`http://127.0.0.1:${port}`, '/api/time')).status, 503);
    dropped.destroy();
    await eventually(async () => assert.equal((await api(`http://127.0.0.1:${port}`, '/api/time')).status, 200));
  } finally {
    await node.stop();
    await mosquitto.stop();
  }
});

test('hanode run refuses a non-loopback http.host without a token: exit 1, with the reason at its line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hanode-http-'));
  writeFileSync(join(dir, 'hanode.yaml'), `node: { id: x }\nhardware: sim\nhttp:\n  host: 0.0.0.0\n  port: 8420\n`);
  const res = await hanode(['run', '-c', join(dir, 'hanode.yaml')], { timeoutMs: 20_000 });
  assert.equal(res.code, 1);
  assert.match(res.stderr, /hanode\.yaml:4:9: .*http\.token is not set: refusing to serve the HTTP API without a token/);
});

test('the HTTP service itself refuses to start on 0.0.0.0 without a token', async () => {
  const { HttpService } = await import('../../src/http/server.js');
  const service = new HttpService({ config: { host: '0.0.0.0', port: 0, max_callbacks: 1, max_concurrent: 1 } } as never);
  await assert.rejects(service.start(), /refusing to serve the HTTP API without a token/);
});
