import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LinuxGpio,
  parsePin,
  pickHeaderChip,
  readGpioChips,
  resolvePin,
  type SysfsLine,
} from '../../../src/hardware/linux/gpio.js';
import type { GpioChipInfo, Level } from '../../../src/hardware/types.js';
import { capturingLog, fixtureRoots, silentLog, type FixtureName } from './helpers.js';

test('readGpioChips reads label, base and ngpio of every chip, by base', async () => {
  assert.deepEqual(await readGpioChips(fixtureRoots('pi4-k6.6').sys), [
    { name: 'gpiochip512', label: 'pinctrl-bcm2711', base: 512, ngpio: 58 },
    { name: 'gpiochip570', label: 'raspberrypi-exp-gpio', base: 570, ngpio: 8 },
  ]);
  const pi5 = await readGpioChips(fixtureRoots('pi5').sys);
  assert.deepEqual(pi5.map((c) => c.base), [512, 544, 548, 565, 571]);
  assert.deepEqual(await readGpioChips('/nonexistent/sys'), []);
});

const mapping: { tree: FixtureName; chip: string; bcm17: number; gpio27: number; lines: number }[] = [
  { tree: 'pi3', chip: 'gpiochip0', bcm17: 17, gpio27: 27, lines: 54 },
  { tree: 'pi4-k6.6', chip: 'gpiochip512', bcm17: 529, gpio27: 539, lines: 58 },
  { tree: 'pi5', chip: 'gpiochip571', bcm17: 588, gpio27: 598, lines: 54 },
];

for (const { tree, chip, bcm17, gpio27, lines } of mapping) {
  test(`${tree}: pins map onto ${chip}`, async () => {
    const chips = await readGpioChips(fixtureRoots(tree).sys);
    const r17 = resolvePin(17, chips);
    assert.equal(r17.sysfs, bcm17);
    assert.equal(r17.offset, 17);
    assert.equal(r17.chip.name, chip);
    assert.equal(r17.byLabel, true);
    assert.equal(resolvePin('GPIO27', chips).sysfs, gpio27);
    assert.equal(resolvePin('gpio27', chips).sysfs, gpio27);
    assert.equal(resolvePin('27', chips).sysfs, gpio27);
    assert.equal(resolvePin(lines - 1, chips).offset, lines - 1);
    assert.throws(
      () => resolvePin(lines, chips),
      (err: Error) => err.message.includes(chip) && err.message.includes(`0-${lines - 1}`),
    );
  });
}

test('the firmware expander and the Pi 5 SoC banks are never taken for the header', () => {
  const chips: GpioChipInfo[] = [
    { name: 'gpiochip504', label: 'raspberrypi-exp-gpio', base: 504, ngpio: 8 },
    { name: 'gpiochip512', label: 'gpio-brcmstb@107d508500', base: 512, ngpio: 32 },
    { name: 'gpiochip600', label: 'some-hat-expander', base: 600, ngpio: 16 },
  ];
  assert.deepEqual(pickHeaderChip(chips), { chip: chips[2], byLabel: false });
});

test('without a known label the chip at base 0, else the lowest base, is used', () => {
  const atZero: GpioChipInfo[] = [
    { name: 'gpiochip32', label: 'x', base: 32, ngpio: 32 },
    { name: 'gpiochip0', label: 'y', base: 0, ngpio: 32 },
  ];
  assert.equal(pickHeaderChip(atZero).chip.name, 'gpiochip0');
  const noZero: GpioChipInfo[] = [
    { name: 'gpiochip600', label: 'x', base: 600, ngpio: 8 },
    { name: 'gpiochip400', label: 'y', base: 400, ngpio: 8 },
  ];
  assert.equal(resolvePin(3, noZero).sysfs, 403);
  assert.throws(() => pickHeaderChip([]), /no gpiochip/);
});

test('parsePin accepts BCM numbers and GPIO line names only', () => {
  assert.equal(parsePin(4), 4);
  assert.equal(parsePin('GPIO4'), 4);
  for (const bad of [-1, 2.5, 'pin4', 'GPIO', '', 'GPIO-4']) {
    assert.throws(() => parsePin(bad), /invalid GPIO pin/, String(bad));
  }
});

/** A stand-in for an onoff line that records what it was asked to do. */
class FakeLine implements SysfsLine {
  value: Level = 0;
  callbacks: ((err: Error | null | undefined, value: number) => void)[] = [];
  unexported = false;
  async read() {
    return this.value;
  }
  async write(value: Level) {
    this.value = value;
  }
  watch(cb: (err: Error | null | undefined, value: number) => void) {
    this.callbacks.push(cb);
  }
  unwatch(cb?: (err: Error | null | undefined, value: number) => void) {
    this.callbacks = this.callbacks.filter((c) => c !== cb);
  }
  unexport() {
    this.unexported = true;
  }
  edge(err: Error | null, value: number) {
    for (const cb of this.callbacks) cb(err, value);
  }
}

test('LinuxGpio exports the mapped sysfs number with the right direction and wraps the line', async () => {
  const made: { sysfs: number; direction: string; edge: string; line: FakeLine }[] = [];
  const { log, records } = capturingLog();
  const gpio = new LinuxGpio({
    sysRoot: fixtureRoots('pi4-k6.6').sys,
    log,
    factory: async (sysfs, direction, edge) => {
      const line = new FakeLine();
      made.push({ sysfs, direction, edge, line });
      return line;
    },
  });
  const out = await gpio.open('GPIO27', { direction: 'out', initial: 1 });
  const input = await gpio.open(17, { direction: 'in', edge: 'both' });
  await gpio.open(22, { direction: 'out' });
  assert.deepEqual(
    made.map(({ sysfs, direction, edge }) => [sysfs, direction, edge]),
    [[539, 'high', 'none'], [529, 'in', 'both'], [534, 'out', 'none']],
  );
  assert.equal(out.pin, 27);
  await out.write(0);
  assert.equal(await out.read(), 0);

  const seen: Level[] = [];
  const stop = input.watch((level) => seen.push(level));
  made[1]!.line.edge(null, 1);
  made[1]!.line.edge(new Error('EIO'), 0);
  stop();
  made[1]!.line.edge(null, 0);
  assert.deepEqual(seen, [1]);
  assert.ok(records.some((r) => r.msg === 'GPIO edge read failed'));

  await gpio.close();
  assert.ok(made.every((m) => m.line.unexported));
});

test('LinuxGpio refuses to hand a fixture tree number to onoff', async () => {
  const gpio = new LinuxGpio({ sysRoot: fixtureRoots('pi5').sys, log: silentLog() });
  await assert.rejects(gpio.open(17, { direction: 'in' }), /onoff can only use \/sys\/class\/gpio/);
  await assert.rejects(gpio.open(99, { direction: 'in' }), /gpiochip571 \(pinctrl-rp1\)/);
});

test('LinuxGpio logs which chip it fell back to when no Pi label is found', async () => {
  const sys = await mkdtemp(join(tmpdir(), 'hanode-gpio-'));
  try {
    const chip = join(sys, 'class', 'gpio', 'gpiochip0');
    await mkdir(chip, { recursive: true });
    await Promise.all([
      writeFile(join(chip, 'label'), 'sunxi-pinctrl\n'),
      writeFile(join(chip, 'base'), '0\n'),
      writeFile(join(chip, 'ngpio'), '224\n'),
    ]);
    const { log, records } = capturingLog();
    const gpio = new LinuxGpio({ sysRoot: sys, log, factory: async () => new FakeLine() });
    await gpio.open(5, { direction: 'in' });
    const warning = records.find((r) => r.level === 40);
    assert.match(String(warning?.msg), /using gpiochip0 \(sunxi-pinctrl, base 0\)/);
  } finally {
    await rm(sys, { recursive: true, force: true });
  }
});
