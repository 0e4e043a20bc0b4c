/** The `Iio` contract, run against both backends: linux over a sysfs fixture tree, and the sim. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LinuxIio } from '../../src/hardware/linux/iio.js';
import { SimIio } from '../../src/hardware/sim/iio.js';
import { Dht22Sensor } from '../../src/hardware/sim/chips/dht22.js';
import type { Iio } from '../../src/hardware/types.js';
import { builtins } from '../helpers/drivers.js';

/** Two devices: iio:device10 (a dht11 at 23.4 °C, 51.2 %RH) and iio:device2 (an ADC). */
async function linuxTree(): Promise<{ iio: Iio; done: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'hanode-iio-'));
  const dev = (n: string) => join(root, 'bus', 'iio', 'devices', n);
  await mkdir(dev('iio:device10'), { recursive: true });
  await mkdir(dev('iio:device2'), { recursive: true });
  await mkdir(dev('trigger0'), { recursive: true });
  await writeFile(join(dev('iio:device10'), 'name'), 'dht11\n');
  await writeFile(join(dev('iio:device10'), 'in_temp_input'), '23400\n');
  await writeFile(join(dev('iio:device10'), 'in_humidityrelative_input'), '51200\n');
  await writeFile(join(dev('iio:device2'), 'name'), 'mcp3422\n');
  return { iio: new LinuxIio(root), done: () => rm(root, { recursive: true, force: true }) };
}

function simTree(): { iio: Iio; done: () => Promise<void> } {
  const iio = new SimIio();
  const sensor = new Dht22Sensor();
  sensor.set({ temperature: 23.4, humidity: 51.2 });
  sensor.device = iio.place(sensor, 'iio:device10');
  iio.place({ name: 'mcp3422', read: () => '' }, 'iio:device2');
  return { iio, done: async () => {} };
}

for (const [backend, make] of [['linux', linuxTree], ['sim', simTree]] as const) {
  test(`iio (${backend}): lists devices by number with their names, reads attributes trimmed, ENOENT for a missing one`, async () => {
    const { iio, done } = await make();
    try {
      assert.deepEqual(await iio.list(), [
        { device: 'iio:device2', name: 'mcp3422' },
        { device: 'iio:device10', name: 'dht11' },
      ]);
      assert.equal(await iio.read('iio:device10', 'in_temp_input'), '23400');
      assert.equal(await iio.read('iio:device10', 'in_humidityrelative_input'), '51200');
      await assert.rejects(iio.read('iio:device10', 'in_pressure_input'), { code: 'ENOENT' });
      await assert.rejects(iio.read('iio:device9', 'in_temp_input'), { code: 'ENOENT' });
    } finally {
      await done();
    }
  });
}

test('iio (linux): no IIO tree is no devices; a path outside a device is refused', async () => {
  const iio = new LinuxIio('/nonexistent-sysfs-root');
  assert.deepEqual(await iio.list(), []);
  await assert.rejects(iio.read('../../etc', 'passwd'), /invalid IIO device "..\/..\/etc": expected the form iio:device0/);
  await assert.rejects(iio.read('iio:device0', '../name'), /invalid IIO attribute/);
});

test('iio: hanode scan lists the IIO devices, on sim as on linux', async () => {
  const { createSimHardware } = await import('../../src/hardware/sim/index.js');
  const { ChipCatalog } = await import('../../src/hardware/catalog.js');
  const { describeScan } = await import('../../src/cli/scan.js');
  const { attachScheme } = await import('./sim/attach.js');
  const hw = createSimHardware();
  attachScheme(hw, 'shed', 'dht22', {});
  const scan = await hw.scan({ catalog: ChipCatalog.of(builtins) });
  assert.deepEqual(scan.iio, [{ device: 'iio:device0', name: 'dht11' }]);
  assert.match(describeScan(scan), /IIO devices:\n {2}iio:device0 +dht11\n/);
});
