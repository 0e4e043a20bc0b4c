/** The embedded broker served beyond this machine: a loud warning without credentials, and a user name and password when configured. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'mqtt';
import { freePort } from '../helpers/mosquitto.js';
import { nodeDir, recordingLogger, startNode } from '../helpers/node.js';

const SCHEMES = { 'a.yaml': 'inputs:\n  - { id: pi, driver: system, interval: 1s }\n' };

/** Connects and reports what the broker answered: 'connected' or the refusal. */
function tryConnect(url: string, auth: { username?: string; password?: string }): Promise<string> {
  return new Promise((resolve) => {
    const client = connect(url, { ...auth, reconnectPeriod: 0, connectTimeout: 5_000, clientId: `t-${Math.random().toString(16).slice(2)}` });
    client.once('connect', () => (client.end(true), resolve('connected')));
    client.once('error', (err) => (client.end(true), resolve(err.message)));
  });
}

test('broker.host 0.0.0.0 without credentials: the agent warns loudly that anyone on the LAN can switch its outputs', async () => {
  const config = nodeDir({ url: undefined, node: 'lan-pi', schemes: SCHEMES });
  config.broker = { host: '0.0.0.0', port: await freePort() };
  const { log, lines } = recordingLogger('warn');
  const agent = await startNode(config, log);
  try {
    const warning = lines().find((l) => /WITHOUT A PASSWORD/.test(l.msg));
    assert.ok(warning, JSON.stringify(lines()));
    assert.equal(warning.level, 40);
    assert.match(warning.msg, /broker\.username and broker\.password/);
  } finally {
    await agent.stop();
  }
});

test('broker.username and broker.password: the embedded broker refuses clients without them, and the agent itself gets in', async () => {
  const config = nodeDir({ url: undefined, node: 'locked-pi', schemes: SCHEMES });
  const port = await freePort();
  config.broker = { host: '0.0.0.0', port, username: 'home', password: 's3cret' };
  const { log, lines } = recordingLogger('warn');
  const agent = await startNode(config, log);
  try {
    assert.ok(!lines().some((l) => /WITHOUT A PASSWORD/.test(l.msg)), 'no warning when a password is required');
    const url = `mqtt://127.0.0.1:${port}`;
    assert.match(await tryConnect(url, {}), /Not authorized|Bad username or password/i);
    assert.match(await tryConnect(url, { username: 'home', password: 'wrong' }), /Not authorized|Bad username or password/i);
    assert.equal(await tryConnect(url, { username: 'home', password: 's3cret' }), 'connected');
    // The agent's own link is in: its retained status says so.
    const status = await new Promise<string>((resolve) => {
      const c = connect(url, { username: 'home', password: 's3cret', reconnectPeriod: 0 });
      c.on('message', (_t, p) => (c.end(true), resolve(p.toString())));
      c.once('connect', () => c.subscribe('han/locked-pi/status'));
    });
    assert.equal(status, 'online');
  } finally {
    await agent.stop();
  }
});

test('broker.username without broker.password is a config error', async () => {
  const { loadConfig } = await import('../../src/config/config.js');
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'hanode-broker-auth-'));
  const file = join(dir, 'hanode.yaml');
  writeFileSync(file, 'broker:\n  host: 0.0.0.0\n  username: home\n');
  await assert.rejects(loadConfig({ config: file }), /hanode\.yaml:\d+:\d+: .*broker\.username and broker\.password go together/);
});
