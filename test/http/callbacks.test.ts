/**
 * M7 callbacks over a private Mosquitto: a signed POST per matching message; a server that is down
 * for 10 s (across a restart of the node) then gets every message, in order, exactly as kept.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createHmac } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../helpers/mosquitto.js';
import { useBroker } from '../helpers/broker-fixture.js';
import { startNode } from '../helpers/node.js';
import type { Agent } from '../../src/agent/agent.js';
import type { Config } from '../../src/config/config.js';
import { api, eventually, recorderConfig } from './helpers.js';

interface Hit {
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A webhook receiver on `port` that keeps what it gets. */
async function receiver(port: number): Promise<{ hits: Hit[]; server: Server; close: () => Promise<void> }> {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      hits.push({ body, headers: req.headers });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { hits, server, close: () => new Promise((r) => server.close(() => r())) };
}

describe('callbacks', () => {
  const broker = useBroker({ probe: ['cb/#'] });
  let config: Config;
  let node: Agent;
  const call = (path: string, init?: Parameters<typeof api>[2]) => api(node.http!.url!, path, init);

  broker.before(async () => {
    config = recorderConfig(broker.url);
    node = await startNode(config);
  });

  broker.after(() => node?.stop());

  test('a matching message is POSTed as {topic, payload, ts} with X-Hanode-Signature', async () => {
    const port = await freePort();
    const hook = await receiver(port);
    try {
      const made = await call('/api/callbacks', { method: 'POST', body: { topic: 'cb/signed/+', url: `http://127.0.0.1:${port}/hook`, secret: 's3cret' } });
      assert.equal(made.status, 201);
      assert.match(made.body.id, /^[0-9a-f]{12}$/);
      assert.equal(made.body.topic, 'cb/signed/+');
      assert.equal(made.body.secret, undefined, 'the secret is never shown');
      assert.equal(statSync(join(config.data, 'callbacks.json')).mode & 0o777, 0o600, 'the file with the secrets is private');
      const listed = (await call('/api/callbacks')).body.callbacks;
      assert.deepEqual(listed.map((c: any) => [c.id, c.signed]), [[made.body.id, true]]);
      await broker.probe.publish('cb/signed/a', '{"temperature":21.5}');
      await broker.probe.publish('cb/other', 'not for this callback');
      await broker.probe.publish('cb/signed/b', 'plain text');
      await eventually(() => assert.equal(hook.hits.length, 2));
      const [first, second] = hook.hits;
      const body = JSON.parse(first.body);
      assert.equal(body.topic, 'cb/signed/a');
      assert.deepEqual(body.payload, { temperature: 21.5 });
      assert.match(body.ts, /^\d{4}-\d{2}-\d{2}T.*Z$/);
      assert.equal(first.headers['content-type'], 'application/json');
      const expected = `sha256=${createHmac('sha256', 's3cret').update(first.body).digest('hex')}`;
      assert.equal(first.headers['x-hanode-signature'], expected);
      assert.equal(JSON.parse(second.body).payload, 'plain text');
      assert.equal(second.headers['x-hanode-signature'], `sha256=${createHmac('sha256', 's3cret').update(second.body).digest('hex')}`);
      assert.deepEqual((await call(`/api/callbacks/${made.body.id}`, { method: 'DELETE' })).body, { deleted: 1 });
      assert.equal((await call(`/api/callbacks/${made.body.id}`, { method: 'DELETE' })).status, 404);
      await broker.probe.publish('cb/signed/c', 'after delete');
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(hook.hits.length, 2, 'a deleted callback gets nothing more');
      // Without a secret there is no signature.
      const plain = await call('/api/callbacks', { method: 'POST', body: { topic: 'cb/plain', url: `http://127.0.0.1:${port}/hook` } });
      await broker.probe.publish('cb/plain', '1');
      await eventually(() => assert.equal(hook.hits.length, 3));
      assert.equal(hook.hits[2].headers['x-hanode-signature'], undefined);
      await call(`/api/callbacks/${plain.body.id}`, { method: 'DELETE' });
    } finally {
      await hook.close();
    }
  });

  test('a server down for 10 s, across a restart of the node, then gets everything in order', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const made = await call('/api/callbacks', { method: 'POST', body: { topic: 'cb/seq', url: `http://127.0.0.1:${port}/in`, secret: 'k' } });
    assert.equal(made.status, 201);
    const downSince = Date.now();
    for (let i = 1; i <= 3; i++) await broker.probe.publish('cb/seq', JSON.stringify({ n: i }));
    await eventually(async () => {
      const [cb] = (await call('/api/callbacks')).body.callbacks;
      assert.equal(cb.backlog, 3);
      assert.match(cb.last_error, /delivery failed/);
    });
    // The backlog and the registration are on disk: a restart keeps both.
    await node.stop();
    node = await startNode(config);
    const after = (await call('/api/callbacks')).body.callbacks;
    assert.deepEqual(after.map((c: any) => [c.id, c.topic, c.backlog]), [[made.body.id, 'cb/seq', 3]]);
    for (let i = 4; i <= 5; i++) await broker.probe.publish('cb/seq', JSON.stringify({ n: i }));
    await new Promise((r) => setTimeout(r, Math.max(0, 10_000 - (Date.now() - downSince))));
    const hook = await receiver(port);
    try {
      await eventually(() => assert.equal(hook.hits.length, 5), 40_000);
      assert.deepEqual(hook.hits.map((h) => JSON.parse(h.body).payload.n), [1, 2, 3, 4, 5]);
      for (const h of hook.hits) assert.equal(h.headers['x-hanode-signature'], `sha256=${createHmac('sha256', 'k').update(h.body).digest('hex')}`);
      await eventually(async () => assert.equal((await call('/api/callbacks')).body.callbacks[0].backlog, 0));
      const metrics = (await call('/metrics')).body as string;
      assert.match(metrics, new RegExp(`^hanode_callback_backlog\\{callback="${made.body.id}"\\} 0$`, 'm'));
    } finally {
      await hook.close();
    }
  });
});
