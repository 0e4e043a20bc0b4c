import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLinuxHardware, detectLinuxHardware } from '../../../src/hardware/linux/index.js';
import type { RawI2c } from '../../../src/hardware/linux/i2c.js';
import { listSpiDevices } from '../../../src/hardware/linux/scan.js';
import { ChipCatalog } from '../../../src/hardware/catalog.js';
import { capturingLog, fixtureRoots, FIXTURES, silentLog, type FixtureName } from './helpers.js';
import { builtins } from '../../helpers/drivers.js';

const catalog = ChipCatalog.of(builtins);

const expected: Record<FixtureName, { chips: [string, string, number, number][]; i2c: number[]; spi: string[]; onewire: string[]; iio: { device: string; name: string }[] }> = {
  pi3: {
    chips: [['gpiochip0', 'pinctrl-bcm2835', 0, 54], ['gpiochip504', 'raspberrypi-exp-gpio', 504, 8]],
    i2c: [1],
    spi: ['spidev0.0', 'spidev0.1'],
    onewire: ['28-0316a2795aff'],
    iio: [],
  },
  'pi4-k6.6': {
    chips: [['gpiochip512', 'pinctrl-bcm2711', 512, 58], ['gpiochip570', 'raspberrypi-exp-gpio', 570, 8]],
    i2c: [1, 20, 21],
    spi: [],
    onewire: ['28-00000a1b2c3d', '28-3c01d607e4aa'],
    iio: [{ device: 'iio:device0', name: 'dht11' }],
  },
  pi5: {
    chips: [
      ['gpiochip512', 'gpio-brcmstb@107d508500', 512, 32],
      ['gpiochip544', 'gpio-brcmstb@107d508520', 544, 4],
      ['gpiochip548', 'gpio-brcmstb@107d517c00', 548, 17],
      ['gpiochip565', 'gpio-brcmstb@107d517c20', 565, 6],
      ['gpiochip571', 'pinctrl-rp1', 571, 54],
    ],
    i2c: [1],
    spi: ['spidev0.0'],
    onewire: [],
    iio: [],
  },
};

for (const tree of FIXTURES) {
  test(`scan of the ${tree} tree lists chips, unopenable I2C buses, spidev, 1-wire and IIO`, async () => {
    const want = expected[tree];
    const roots = fixtureRoots(tree);
    const { log, records } = capturingLog();
    const hw = createLinuxHardware({ roots, log });
    const result = await hw.scan({ catalog });
    assert.equal(result.hardware, 'linux');
    assert.deepEqual(result.gpiochips.map((c) => [c.name, c.label, c.base, c.ngpio]), want.chips);
    // The fixture nodes are placeholders that i2c-bus cannot open: each bus is listed, empty, with a warning.
    assert.deepEqual(result.i2c, want.i2c.map((bus) => ({ bus, addresses: [] })));
    const warned = records.filter((r) => r.level === 40).map((r) => r.bus);
    assert.deepEqual(warned, want.i2c);
    assert.deepEqual(result.spi.map((s) => s.path), want.spi.map((name) => join(roots.dev, name)));
    assert.deepEqual(result.onewire, want.onewire);
    assert.deepEqual(result.iio, want.iio);
    assert.ok(result.system.model?.startsWith('Raspberry Pi'));
    await hw.close();
  });
}

test('scan names the chips that usually answer at each address', async () => {
  const raw: RawI2c = {
    scan: async () => [0x27, 0x68, 0x76],
    i2cRead: async () => assert.fail('not used'),
    i2cWrite: async () => assert.fail('not used'),
    readI2cBlock: async () => assert.fail('not used'),
    close: async () => {},
  };
  const hw = createLinuxHardware({ roots: fixtureRoots('pi3'), log: silentLog(), openI2c: async () => raw });
  const [bus1] = (await hw.scan({ catalog })).i2c;
  assert.equal(bus1?.bus, 1);
  assert.deepEqual(bus1?.addresses.map((a) => [a.hex, a.likely[0]]), [
    ['0x27', 'PCF8574 LCD backpack'],
    ['0x68', 'DS3231'],
    ['0x76', 'BME280'],
  ]);
  assert.ok(bus1?.addresses[2]?.likely.includes('BMP280'));
  await hw.close();
});

test('one bus is opened once and shared, and close closes it', async () => {
  let opens = 0;
  let closes = 0;
  const raw: RawI2c = {
    scan: async () => [],
    i2cRead: async (_a, length, buffer) => ({ bytesRead: length, buffer }),
    i2cWrite: async (_a, length, buffer) => ({ bytesWritten: length, buffer }),
    readI2cBlock: async (_a, _c, length, buffer) => ({ bytesRead: length, buffer }),
    close: async () => void closes++,
  };
  const hw = createLinuxHardware({ roots: fixtureRoots('pi4-k6.6'), log: silentLog(), openI2c: async () => (opens++, raw) });
  const [a, b] = await Promise.all([hw.i2c(1), hw.i2c(1)]);
  assert.equal(a, b);
  assert.equal(opens, 1);
  // A failed open is not cached: the bus can be retried once enabled.
  await assert.rejects(hw.i2c(7), /i2c-7 does not exist/);
  await assert.rejects(hw.i2c(7), /i2c-7 does not exist/);
  await hw.close();
  assert.equal(closes, 1);
});

test('listSpiDevices sorts by bus then chip select', async () => {
  assert.deepEqual(
    (await listSpiDevices(fixtureRoots('pi3').dev)).map(({ bus, device }) => [bus, device]),
    [[0, 0], [0, 1]],
  );
});

for (const tree of FIXTURES) {
  test(`detectLinuxHardware finds the ${tree} tree`, async () => {
    const found = await detectLinuxHardware(fixtureRoots(tree));
    assert.equal(found.present, true);
    assert.ok(found.reasons.some((r) => /Raspberry Pi GPIO header/.test(r)), found.reasons.join('; '));
    assert.ok(found.reasons.some((r) => r.includes('i2c-1')));
  });
}

test('detectLinuxHardware finds nothing in an empty tree', async () => {
  const root = await mkdtemp(join(tmpdir(), 'hanode-empty-'));
  try {
    assert.deepEqual(await detectLinuxHardware({ sys: join(root, 'sys'), dev: join(root, 'dev'), proc: join(root, 'proc') }), {
      present: false,
      reasons: [],
    });
    assert.equal((await detectLinuxHardware({ sys: root, dev: root, proc: root })).present, false);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('detectLinuxHardware ignores I2C adapters on a PC without a device tree', async () => {
  const root = await mkdtemp(join(tmpdir(), 'hanode-pc-'));
  try {
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(join(root, 'dev'), { recursive: true });
    await mkdir(join(root, 'proc'), { recursive: true });
    await writeFile(join(root, 'dev', 'i2c-0'), '');
    await writeFile(join(root, 'dev', 'i2c-7'), '');
    const roots = { sys: join(root, 'sys'), dev: join(root, 'dev'), proc: join(root, 'proc') };
    assert.equal((await detectLinuxHardware(roots)).present, false);
    await mkdir(join(root, 'proc', 'device-tree'));
    const onBoard = await detectLinuxHardware(roots);
    assert.equal(onBoard.present, true);
    assert.ok(onBoard.reasons.some((r) => r.includes('i2c-7')));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
