/**
 * Each bridge's own backlog: kept on disk across a restart, drained at the bridge's own rate,
 * and a dead remote on one bridge never holds up another.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { Mosquitto, freePort } from '../helpers/mosquitto.js';
import { useBroker } from '../helpers/broker-fixture.js';
import { eventually, Inbox, sleep, startBridges } from './fixtures.js';

describe('bridge backlogs', () => {
  const local = useBroker({ probe: 'han/#' });
  let cloud: Mosquitto;
  let watcher: MqttClient;
  let inbox: Inbox;

  local.before(async () => {
    cloud = await Mosquitto.start({ persistence: true });
    watcher = connect(cloud.url, { clientId: 'backlog-watcher', clean: false, reconnectPeriod: 100 });
    await new Promise((r) => watcher.once('connect', r));
    inbox = new Inbox(watcher);
    await watcher.subscribeAsync('cloud/#', { qos: 1 });
  });

  local.after(async () => {
    await watcher?.endAsync(true);
    await cloud?.stop();
  });

  const bridge = (rate: string) => ({ id: 'cloud', type: 'mqtt', url: cloud.url, rate, retry: { min: '100ms', max: '500ms' }, forward: [{ from: 'han/+/counter', to: 'cloud/{node}/{id}' }] });

  test('kept on disk across a restart, then drained in order at the bridge rate', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hanode-backlog-'));
    await cloud.stop();
    const first = await startBridges(local.url, [bridge('20/s')], { dataDir });
    for (let i = 0; i < 40; i++) await local.probe.publish('han/pub-pi/counter', JSON.stringify({ n: i }));
    await sleep(300);
    assert.equal(first.service.status()[0].backlog, 40);
    assert.equal(first.service.status()[0].online, false);
    await first.stop();
    assert.ok(existsSync(join(dataDir, 'bridge-cloud.sqlite')));

    await cloud.start();
    const t0 = Date.now();
    const second = await startBridges(local.url, [bridge('20/s')], { dataDir });
    await inbox.until(() => inbox.on('cloud/pub-pi/counter').length >= 40, 10_000);
    const took = Date.now() - t0;
    assert.deepEqual(inbox.on('cloud/pub-pi/counter').map((p) => JSON.parse(p).n), Array.from({ length: 40 }, (_, i) => i));
    // 20 at once (the burst), then 20 more at 20/s: about a second.
    assert.ok(took >= 900, `40 messages at 20/s drained in ${took} ms`);
    await eventually(() => second.service.status()[0].backlog === 0);
    assert.equal(second.service.status()[0].backlog, 0);
    assert.equal(second.service.status()[0].sent, 40);
    await second.stop();
  });

  test('a bridge that cannot start (its certificate gone since validation) is reported; the others run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hanode-gone-'));
    writeFileSync(join(dir, 'ca.crt'), 'PEM');
    const pending = startBridges(
      local.url,
      [
        { id: 'gone', type: 'mqtt', url: 'mqtts://127.0.0.1:1', ca: 'ca.crt' },
        { id: 'fine', type: 'mqtt', url: cloud.url },
      ],
      { dir, beforeStart: () => rmSync(join(dir, 'ca.crt')) },
    );
    const running = await pending;
    await local.probe.waitFor('han/test-pi/$bridge/gone/status', (p) => p === 'offline');
    await local.probe.waitFor('han/test-pi/$bridge/fine/status', (p) => p === 'online');
    assert.match(running.errors.map((e) => e.error).join('\n'), /bridge 'gone' did not start: .*ENOENT/);
    assert.equal(running.errors[0].topic, 'han/test-pi/$bridge/gone/status');
    await assert.rejects(running.service.notify('gone', {}), /bridge 'gone' is not running/);
    await running.stop();
  });

  test('a bridge whose remote is dead does not hold up another', async () => {
    const dead = `mqtt://127.0.0.1:${await freePort()}`;
    const both = await startBridges(local.url, [
      { id: 'dead', type: 'mqtt', url: dead, forward: [{ from: 'han/+/counter', to: 'x/{id}' }] },
      { id: 'live', type: 'mqtt', url: cloud.url, forward: [{ from: 'han/+/counter', to: 'cloud/live/{id}' }] },
    ]);
    for (let i = 0; i < 10; i++) await local.probe.publish('han/pub-pi/counter', JSON.stringify({ n: i }));
    await inbox.until(() => inbox.on('cloud/live/counter').length >= 10, 5_000);
    // The subscriber may see the last one just before the bridge has its PUBACK.
    await eventually(() => both.service.status().find((b) => b.id === 'live')!.backlog === 0);
    const s = Object.fromEntries(both.service.status().map((b) => [b.id, b]));
    assert.equal(s.dead.backlog, 10);
    assert.equal(s.dead.online, false);
    assert.equal(s.live.backlog, 0);
    assert.equal(s.live.online, true);
    assert.match(s.dead.lastError ?? '', /ECONNREFUSED|closed/);
    await both.stop();
    await local.probe.waitFor('han/test-pi/$bridge/live/status', (p) => p === 'offline');
  });
});
