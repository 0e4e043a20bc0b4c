/**
 * `hanode run` end to end, as a process: it starts the embedded broker on the configured port,
 * announces itself, publishes readings, says `offline` on SIGINT and exits 0 promptly. And the
 * MQTT password appears in nothing it logs or publishes.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { freePort } from '../helpers/mosquitto.js';
import { Probe } from '../helpers/probe.js';
import { startEmbeddedBroker } from '../../src/mqtt/embedded.js';
import { silentLogger } from '../../src/core/log.js';
import { start } from './hanode.js';

const running = new Set<ChildProcess>();
after(() => {
  for (const proc of running) proc.kill('SIGKILL');
});

/** A node directory: hanode.yaml (written by the caller), secrets.yaml, and schemes/ with one system input. */
function nodeDir(config: string, secrets = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'hanode-run-'));
  mkdirSync(join(dir, 'schemes'));
  writeFileSync(join(dir, 'schemes', 'pi.yaml'), 'inputs:\n  - id: pi-health\n    driver: system\n    interval: 1s\n');
  writeFileSync(join(dir, 'secrets.yaml'), secrets);
  writeFileSync(join(dir, 'hanode.yaml'), config);
  return dir;
}

interface Agent {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

function spawnAgent(args: string[], env: Record<string, string> = {}): Agent {
  const proc = start(args, { env });
  running.add(proc);
  let output = '';
  proc.stdout!.on('data', (d) => (output += d));
  proc.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    proc.once('exit', (code, signal) => {
      running.delete(proc);
      resolve({ code, signal, at: Date.now() });
    }),
  );
  return { proc, output: () => output, exited };
}

/** Connects once the agent's broker accepts connections (it takes the agent a moment to start it). */
async function connectProbe(port: number, agent: Agent, timeoutMs = 20_000): Promise<Probe> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (agent.proc.exitCode !== null) assert.fail(`hanode exited (${agent.proc.exitCode}) before its broker answered:\n${agent.output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return Probe.connect(`mqtt://127.0.0.1:${port}`, 'han/#');
    if (Date.now() > deadline) assert.fail(`no broker on port ${port} within ${timeoutMs} ms:\n${agent.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('run with the embedded broker: online, a reading, offline on SIGINT, exit 0 within 3 s', async () => {
  const port = await freePort();
  const password = 'pw-Embedded-7f3a9c';
  const dir = nodeDir(
    [
      'node: { id: e2e-pi }',
      `broker: { port: ${port} }`,
      'mqtt:',
      '  username: hanode',
      '  password: !secret mqtt_password',
      'schemes: ./schemes',
      'data: ./data',
      'hardware: sim',
      'log_level: info',
      '',
    ].join('\n'),
    `mqtt_password: ${password}\n`,
  );
  const agent = spawnAgent(['run', '-c', join(dir, 'hanode.yaml')]);
  const probe = await connectProbe(port, agent);
  try {
    const online = await probe.waitFor('han/e2e-pi/status', (p) => p === 'online', 15_000);
    const state = await probe.waitForState('han/e2e-pi/pi-health', (s) => typeof s.uptime === 'number', 10_000);
    for (const field of ['cpu_temp', 'load1', 'mem_used_pct', 'disk_used_pct', 'uptime', 'ts']) assert.ok(field in state, `no ${field} in ${JSON.stringify(state)}`);
    assert.match(state.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const info = JSON.parse((await probe.waitFor('han/e2e-pi/$info')).payload);
    assert.equal(info.node, 'e2e-pi');
    assert.equal(info.hardware, 'sim');
    assert.deepEqual(info.inputs, ['pi-health']);

    const since = probe.mark();
    assert.ok(since > online.seq);
    const signalledAt = Date.now();
    agent.proc.kill('SIGINT');
    await probe.waitFor('han/e2e-pi/status', (p) => p === 'offline', 3_000, since);
    const exit = await Promise.race([agent.exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still running 3 s after SIGINT:\n${agent.output()}`)), 3_000))]);
    assert.deepEqual([exit.code, exit.signal], [0, null], agent.output());
    assert.ok(exit.at - signalledAt < 3_000);

    // The embedded broker was started by this agent, and it said so.
    assert.match(agent.output(), /started the embedded broker/);
    // The password is in nothing logged at info level, nor in anything published.
    assert.ok(!agent.output().includes(password), 'the MQTT password is in the log');
    for (const m of probe.messages) assert.ok(!m.payload.includes(password), `the MQTT password is in ${m.topic}`);
  } finally {
    await probe.close();
  }
});

test('a password in the broker URL is in nothing logged, even at trace level', async () => {
  const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, log: silentLogger });
  // An unencoded '@' in the password: the URL form redact() alone would half show.
  const password = 'pw@Url-91c2e4';
  const tail = 'Url-91c2e4';
  try {
    const dir = nodeDir('node: { id: url-pi }\nmqtt: { url: "${BROKER}" }\nhardware: sim\nlog_level: trace\n');
    const url = `mqtt://hanode:${password}@127.0.0.1:${broker.port}`;
    const agent = spawnAgent(['run', '-c', join(dir, 'hanode.yaml')], { BROKER: url });
    const probe = await connectProbe(broker.port, agent);
    try {
      await probe.waitFor('han/url-pi/status', (p) => p === 'online', 15_000);
      await probe.waitForState('han/url-pi/pi-health', () => true, 10_000);
      agent.proc.kill('SIGINT');
      const exit = await agent.exited;
      assert.equal(exit.code, 0, agent.output());
      assert.match(agent.output(), /MQTT: connect/, 'the log talks about the connection');
      assert.ok(!agent.output().includes(tail), `the MQTT password is in the log:\n${agent.output()}`);
      for (const m of probe.messages) assert.ok(!m.payload.includes(tail), `the MQTT password is in ${m.topic}`);
    } finally {
      await probe.close();
    }
  } finally {
    await broker.close();
  }
});
