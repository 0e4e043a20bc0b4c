/**
 * Reloads never overlap. With the broker down, two scheme files are deleted and put back; once the
 * broker is back, what runs is what is on disk: both schemes, online.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Mosquitto } from '../helpers/mosquitto.js';
import { Probe } from '../helpers/probe.js';
import { nodeDir, startNode } from '../helpers/node.js';

const N = 'overlap-pi';
const T = (s: string) => `han/${N}/${s}`;
const FILES = {
  'lamp.yaml': 'outputs:\n  - { id: lamp, driver: gpio-out, pin: 5, restore: true }\n',
  'fan.yaml': 'outputs:\n  - { id: fan, driver: gpio-out, pin: 6, restore: true }\n',
};

const until = async (what: string, cond: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

test('delete two files and put them back while the broker is down: after it returns, both schemes run and their retained availability says online', async () => {
  const mosquitto = await Mosquitto.start();
  const config = nodeDir({ url: mosquitto.url, node: N, schemes: FILES });
  const agent = await startNode(config);
  let probe = await Probe.connect(mosquitto.url);
  try {
    for (const id of ['lamp', 'fan']) {
      await probe.publish(T(`${id}/set`), 'ON');
      await probe.waitForState(T(id), (s) => s.state === 'ON');
    }
    await probe.close();
    await mosquitto.stop();

    for (const file of Object.keys(FILES)) rmSync(join(config.schemes, file));
    await until('both schemes to stop', () => !agent.schemes.has('lamp') && !agent.schemes.has('fan'));
    for (const [file, text] of Object.entries(FILES)) writeFileSync(join(config.schemes, file), text);
    await until('both schemes to be back', () => agent.schemes.has('lamp') && agent.schemes.has('fan'));

    await mosquitto.start();
    probe = await Probe.connect(mosquitto.url);
    await probe.waitFor(T('status'), (p) => p === 'online', 15_000);
    // Give any reload still in flight time to misbehave.
    await new Promise((r) => setTimeout(r, 1_500));
    assert.deepEqual(agent.schemes.ids('output').sort(), ['fan', 'lamp']);
    for (const id of ['lamp', 'fan']) {
      const status = agent.schemes.get(id)!.runtime.status(true, 'output');
      assert.equal(status.online, true, `${id} runs`);
      const retained = await Probe.connect(mosquitto.url, T(`${id}/availability`));
      const seen = await retained.waitFor(T(`${id}/availability`), () => true, 5_000);
      await retained.close();
      assert.equal(seen.payload, 'online', `${id}'s retained availability`);
    }
  } finally {
    await probe.close().catch(() => {});
    await agent.stop();
    await mosquitto.stop();
  }
});
