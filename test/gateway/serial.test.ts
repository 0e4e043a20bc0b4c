/**
 * The gateway over a serial line: a pseudo-terminal pair made by socat stands in for a USB serial
 * adapter. Killing socat is unplugging the adapter; starting it again is plugging it back.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { useBroker } from '../helpers/broker-fixture.js';
import { nodeDir, startNode } from '../helpers/node.js';
import type { Agent } from '../../src/agent/agent.js';
import { device, gatewayConfig, gatewayOf, identified, type TestDevice } from './device.js';

/** A socat pty pair: `gateway` is the gateway's end, `device` the device's. */
class PtyPair {
  #proc?: ChildProcess;
  readonly dir = mkdtempSync(join(tmpdir(), 'hanode-pty-'));
  readonly gateway = join(this.dir, 'gateway');
  readonly device = join(this.dir, 'device');

  async plug(): Promise<void> {
    this.#proc = spawn('socat', [`pty,raw,echo=0,link=${this.gateway}`, `pty,raw,echo=0,link=${this.device}`], { stdio: 'ignore' });
    const deadline = Date.now() + 5_000;
    while (!(existsSync(this.gateway) && existsSync(this.device))) {
      if (Date.now() > deadline) throw new Error('socat made no pty pair within 5 s');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async unplug(): Promise<void> {
    const proc = this.#proc;
    this.#proc = undefined;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => (proc.once('exit', () => resolve()), proc.kill('SIGTERM')));
  }
}

async function openDevice(path: string): Promise<TestDevice> {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  return device(port, () => port.isOpen && port.close());
}

describe('gateway over a serial line (socat pty pair)', () => {
  const broker = useBroker({ probe: ['han/#'] });
  let agent: Agent;
  const pty = new PtyPair();
  const open: TestDevice[] = [];

  broker.before(async () => {
    await pty.plug();
    const config = nodeDir({
      url: broker.url,
      node: 'gw-s',
      schemes: { 'lamp.yaml': 'outputs:\n  - id: lamp\n    driver: gpio-out\n    pin: 27\n' },
    });
    config.gateway = gatewayConfig({
      tcp: { host: '127.0.0.1', port: 0 },
      serial: [{ path: pty.gateway, baud: 115200 }],
      allow: ['uart-dev', 'tcp-peer'],
      keepalive: '400ms',
      drive: [{ variable: 'serial_lamp', output: 'lamp' }],
    });
    // startNode's short retry backoff (100–400 ms) is the serial port's reopen backoff too.
    agent = await startNode(config);
  });

  broker.after(async () => {
    for (const d of open) d.close();
    await agent?.stop();
    await pty.unplug();
  });

  test('every command both ways over the serial line', async () => {
    const d = await openDevice(pty.device);
    open.push(d);
    assert.equal((await d.ask('SUB', { VARIABLE: 'x' })).command, 'BAD', 'before ID');
    const since = broker.probe.mark();
    assert.equal((await d.ask('ID', { ID: 'uart-dev' })).command, 'OK');
    await broker.probe.waitFor('han/$devices/uart-dev/status', (p) => p === 'online', 5_000, since);
    assert.equal((await d.ask('SUB', { VARIABLE: 'from_tcp' })).command, 'OK');
    // a TCP device writes the variable and sends a message: both arrive on the serial line
    const peer = await identified(agent, 'tcp-peer');
    open.push(peer);
    assert.equal((await peer.ask('PUB', { VARIABLE: 'from_tcp', VALUE: 'over | the wire' })).command, 'OK');
    const sub = await d.next();
    assert.deepEqual([sub.command, sub.VARIABLE, sub.VALUE], ['SUB', 'from_tcp', 'over | the wire']);
    assert.equal((await peer.ask('MSG', { DEVICE: 'uart-dev', VALUE: 'ping' })).command, 'OK');
    const msg = await d.next();
    assert.deepEqual([msg.command, msg.DEVICE, msg.VALUE], ['MSG', 'tcp-peer', 'ping']);
    // and back
    assert.equal((await d.ask('MSG', { DEVICE: 'tcp-peer', VALUE: 'pong' })).command, 'OK');
    assert.equal((await peer.next()).VALUE, 'pong');
    assert.equal((await d.ask('PUB', { VARIABLE: 'from_uart', VALUE: '42' })).command, 'OK');
    await broker.probe.waitFor('han/$vars/from_uart', (p) => JSON.parse(p).value === '42' && JSON.parse(p).device === 'uart-dev', 5_000, since);
    assert.equal((await d.ask('PUB', { VARIABLE: 'serial_lamp', VALUE: 'ON' })).command, 'OK');
    await broker.probe.waitForState('han/gw-s/lamp', (s) => s.state === 'ON', 5_000, since);
    assert.equal((await d.ask('DEL', { VARIABLE: 'from_uart' })).command, 'OK');
    await broker.probe.waitFor('han/$vars/from_uart', (p) => p === '', 5_000, since);
    assert.equal((await d.ask('UNSUB', { VARIABLE: 'from_tcp' })).command, 'OK');
    assert.equal((await d.ask('UNSUBALL')).command, 'OK');
    // keep-alive on the wire
    const hello = await d.next();
    assert.equal(hello.command, 'HELLO?');
    d.send('HELLO!');
    // CLOSE ends the session, not the port: the device may identify again on the same wire
    const before = broker.probe.mark();
    d.send('CLOSE');
    await broker.probe.waitFor('han/$devices/uart-dev/status', (p) => p === 'offline', 5_000, before);
    assert.equal((await d.ask('ID', { ID: 'uart-dev' })).command, 'OK');
    await broker.probe.waitFor('han/$devices/uart-dev/status', (p) => p === 'online', 5_000, before);
  });

  test('unplugging the adapter marks the device offline; plugging it back lets it in again', async () => {
    const since = broker.probe.mark();
    await pty.unplug();
    await broker.probe.waitFor('han/$devices/uart-dev/status', (p) => p === 'offline', 5_000, since);
    for (const d of open.splice(0)) d.close();
    await pty.plug();
    const d = await openDevice(pty.device);
    open.push(d);
    // The gateway reopens the port within its backoff (100–200 ms here).
    const gw = gatewayOf(agent);
    for (let i = 0; i < 100 && !gw.status().serial[0]!.open; i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(gw.status().serial[0]!.open, 'the port is open again');
    assert.equal((await d.ask('ID', { ID: 'uart-dev' })).command, 'OK');
    await broker.probe.waitFor('han/$devices/uart-dev/status', (p) => p === 'online', 5_000, since);
  });
});
