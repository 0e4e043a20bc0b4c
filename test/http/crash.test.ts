/**
 * kill -9 of the recording node while records stream in over the API: every record the API
 * acknowledged (D4 201) is there after the restart, with its payload intact.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Mosquitto, freePort } from '../helpers/mosquitto.js';
import { Probe } from '../helpers/probe.js';
import { nodeDir, spawnNode, startNode } from '../helpers/node.js';
import { api, eventually, recorderConfig } from './helpers.js';

test('what D4 acknowledged survives kill -9 of the recording node', { timeout: 90_000 }, async () => {
  const mosquitto = await Mosquitto.start();
  const probe = await Probe.connect(mosquitto.url);
  const publisher = await startNode(
    nodeDir({ url: mosquitto.url, node: 'p-node', schemes: { 'p.yaml': 'inputs:\n  - { id: temp, driver: ds18b20, sensor_id: 28-00000a1b2c3d, interval: 50ms }\n' } }),
  );
  const port = await freePort();
  const config = recorderConfig(mosquitto.url, { http: { port } });
  const base = `http://127.0.0.1:${port}`;
  let child = spawnNode(config);
  try {
    await child.started;
    const acked = new Map<number, number>();
    let next = 0;
    let killed = false;
    // 16 writers post records back to back until the node dies under them.
    const writer = async () => {
      while (!killed) {
        const i = next++;
        try {
          const res = await api(base, '/api/records', { method: 'POST', body: { topic: 'crash/seq', payload: { i, pad: 'x'.repeat(200) } } });
          if (res.status === 201) acked.set(res.body.id, i);
        } catch {
          return; // the connection died with the node
        }
      }
    };
    const writers = Array.from({ length: 16 }, writer);
    await eventually(() => assert.ok(acked.size >= 500, `${acked.size} acknowledged so far`), 40_000);
    // Mid-stream: requests are in flight when the process dies.
    await child.kill9();
    killed = true;
    await Promise.all(writers);
    const ackedAtKill = acked.size;
    assert.ok(ackedAtKill >= 500);

    child = spawnNode(config);
    await child.started;
    const { body } = await api(base, '/api/records?topic=crash/seq&limit=10000');
    const kept = new Map<number, number>(body.records.map((r: any) => [r.id, r.payload.i]));
    const lost = [...acked].filter(([id, i]) => kept.get(id) !== i);
    assert.deepEqual(lost, [], `${lost.length} of ${ackedAtKill} acknowledged records are missing or changed after kill -9`);
    // And the node records the MQTT stream again.
    const since = Date.now();
    await eventually(async () => {
      const recs = (await api(base, `/api/records?topic=han/p-node/temp&from=${since}`)).body.records;
      assert.ok(recs.length > 0);
    });
  } finally {
    await child.kill9();
    await publisher.stop();
    await probe.close();
    await mosquitto.stop();
  }
});
