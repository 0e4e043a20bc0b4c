/**
 * `hanode scan --write DIR` on the Pi 4 (kernel 6.6) and Pi 5 fixture trees, with a fake I2C
 * adapter where 0x76 and 0x3c answer: the drafts validate, say what was guessed, and a second run
 * (or any existing file) is never overwritten.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { defineOutput } from '../../src/core/driver.js';
import type { DriverRegistry } from '../../src/core/registry.js';
import { createLinuxHardware } from '../../src/hardware/linux/index.js';
import { ChipCatalog } from '../../src/hardware/catalog.js';
import type { RawI2c } from '../../src/hardware/linux/i2c.js';
import type { ScanResult } from '../../src/hardware/types.js';
import { i2cDevice } from '../../src/schemes/pieces.js';
import { validatePaths } from '../../src/schemes/loader.js';
import { writeDrafts } from '../../src/cli/scan-write.js';
import { fixtureRoot, fixtureRoots, silentLog } from '../hardware/linux/helpers.js';
import { hanode } from '../cli/hanode.js';
import { builtins } from '../helpers/drivers.js';

/** An adapter on which exactly `addresses` acknowledge. */
function answering(...addresses: number[]): RawI2c {
  return {
    scan: async () => addresses,
    i2cRead: async () => assert.fail('a scan only probes'),
    i2cWrite: async () => assert.fail('a scan only probes'),
    readI2cBlock: async () => assert.fail('a scan only probes'),
    close: async () => {},
  };
}

/**
 * The built-in drivers with the display driver for 0x3c swapped for a stand-in that lists the
 * SSD1306 under `chips`: drafts and the chip hints come from the registry, not from a fixed list.
 */
function registry(): DriverRegistry {
  const r = builtins.copy();
  r.add(defineOutput({
    name: 'ssd1306',
    description: 'OLED display',
    bus: 'i2c',
    direction: 'output',
    schema: z.object({ ...i2cDevice({ defaultAddress: 0x3c, addresses: [0x3c, 0x3d] }), height: z.union([z.literal(32), z.literal(64)]).default(64) }),
    command: z.strictObject({ text: z.string() }),
    fields: [{ name: 'text', type: 'string', description: 'shown' }],
    example: { id: 'hall-display', driver: 'ssd1306', bus: 1, address: 0x3c, height: 64 },
    chips: [{ chip: 'SSD1306', addresses: [0x3c, 0x3d], note: 'OLED display' }],
    create: () => assert.fail('not run'),
  }));
  return r;
}

async function scanFixture(tree: 'pi4-k6.6' | 'pi5'): Promise<ScanResult> {
  const hw = createLinuxHardware({ roots: fixtureRoots(tree), log: silentLog(), openI2c: async (bus) => (bus === 1 ? answering(0x3c, 0x76) : answering()) });
  try {
    return await hw.scan({ catalog: ChipCatalog.of(registry()) });
  } finally {
    await hw.close();
  }
}

const snapshot = (dir: string) => Object.fromEntries(readdirSync(dir).map((f) => [f, `${statSync(join(dir, f)).mtimeMs}:${readFileSync(join(dir, f), 'utf8')}`]));

const expectedFiles = {
  'pi4-k6.6': ['bme280-0x76.yaml', 'ds18b20-1b2c3d.yaml', 'ds18b20-07e4aa.yaml', 'ssd1306-0x3c.yaml', 'system.yaml'],
  pi5: ['bme280-0x76.yaml', 'ssd1306-0x3c.yaml', 'system.yaml'],
};

for (const tree of ['pi4-k6.6', 'pi5'] as const) {
  test(`scan --write on the ${tree} tree writes drafts that validate, and a second run overwrites nothing`, async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'hanode-drafts-')), 'schemes');
    const reg = registry();
    const result = await scanFixture(tree);
    const lines = await writeDrafts(result, dir, { registry: reg });
    assert.deepEqual(readdirSync(dir).sort(), [...expectedFiles[tree]].sort(), lines.join('\n'));
    assert.deepEqual(await validatePaths([dir], reg), { problems: [], fileCount: expectedFiles[tree].length });

    for (const file of readdirSync(dir)) {
      const text = readFileSync(join(dir, file), 'utf8');
      const modeline = /^# yaml-language-server: \$schema=(.+)\n/.exec(text);
      assert.ok(modeline, `${file} starts with the modeline`);
      assert.ok(existsSync(resolve(dir, modeline[1]!)), `${file}: the modeline's schema path resolves from the file`);
    }
    const bme = readFileSync(join(dir, 'bme280-0x76.yaml'), 'utf8');
    assert.match(bme, /# 0x76 answers on I2C bus 1; it is usually a BME280 \(temperature, humidity, pressure\), but could be a BMP280, BME680 or TCA9548A — chip id not checked/);
    assert.match(bme, /\n {4}address: 0x76\n/);
    assert.match(bme, /\ninputs:\n  - id: bme280-0x76\n/);
    const display = readFileSync(join(dir, 'ssd1306-0x3c.yaml'), 'utf8');
    assert.match(display, /\n# height: taken from the ssd1306 driver's example; check it\.\noutputs:\n  - id: ssd1306-0x3c\n[\s\S]*height: 64\n/);
    if (tree === 'pi4-k6.6') assert.match(readFileSync(join(dir, 'ds18b20-1b2c3d.yaml'), 'utf8'), /sensor_id: 28-00000a1b2c3d\n/);

    const before = snapshot(dir);
    const again = await writeDrafts(result, dir, { registry: reg });
    assert.deepEqual(snapshot(dir), before, 'nothing rewritten');
    assert.ok(!again.some((l) => l.startsWith('wrote')), again.join('\n'));
    assert.equal(again.filter((l) => /already configured/.test(l)).length, expectedFiles[tree].length);
  });
}

test('an existing file is never overwritten, a device already configured gets no draft, and an unknown chip is only reported', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hanode-drafts-'));
  // Not even valid YAML: it cannot claim anything, but its name is taken.
  writeFileSync(join(dir, 'system.yaml'), 'this: [is not a scheme\n');
  writeFileSync(join(dir, 'climate.yaml'), 'inputs:\n  - id: kitchen-climate\n    driver: bme280\n    bus: 1\n    address: 0x76\n');
  const hw = createLinuxHardware({ roots: fixtureRoots('pi5'), log: silentLog(), openI2c: async () => answering(0x68, 0x76) });
  const result = await hw.scan({ catalog: ChipCatalog.of(registry()) });
  await hw.close();
  const lines = await writeDrafts(result, dir, { registry: registry() });
  assert.equal(readFileSync(join(dir, 'system.yaml'), 'utf8'), 'this: [is not a scheme\n');
  assert.ok(lines.some((l) => l === `${join(dir, 'system.yaml')} exists; left as it is (scan --write never overwrites)`), lines.join('\n'));
  assert.ok(lines.some((l) => /^bme280-0x76: already configured as 'kitchen-climate'/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /^0x68 answers on I2C bus 1: usually DS3231 or MPU6050; hanode has no driver for it/.test(l)), lines.join('\n'));
  assert.deepEqual(readdirSync(dir).sort(), ['climate.yaml', 'system.yaml']);
});

test('hanode scan --roots <pi5 tree> --write DIR drafts what the tree shows, and hanode validate accepts it', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'hanode-drafts-')), 'drafts');
  const scan = await hanode(['scan', '--roots', fixtureRoot('pi5'), '--write', dir]);
  assert.equal(scan.code, 0, scan.stderr);
  assert.match(scan.stdout, /Raspberry Pi 5/);
  // The fixture's I2C node cannot be opened for real, so only the system input is drafted there.
  assert.deepEqual(readdirSync(dir), ['system.yaml']);
  assert.match(scan.stderr, /wrote .*system\.yaml/);
  const validate = await hanode(['validate', dir]);
  assert.equal(validate.code, 0, validate.stdout + validate.stderr);
});
