import { test } from 'node:test';
import { z } from 'zod';
import assert from 'node:assert/strict';
import { pcf8574Out } from '../../src/drivers-out/pcf8574-out.js';
import { Pcf8574Port } from '../../src/drivers-out/pcf8574-port.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import { Pcf8574Chip } from '../../src/hardware/sim/chips/pcf8574.js';
import type { I2cBus } from '../../src/hardware/types.js';
import { loadSchemeTexts } from '../../src/schemes/loader.js';
import { i2cDevice } from '../../src/schemes/pieces.js';
import { optionsFor } from '../drivers-in/context.js';
import { packOutputContext } from '../drivers-in/pack-context.js';
import { attachScheme } from '../hardware/sim/attach.js';
import { builtins } from '../helpers/drivers.js';

function relay(hw: ReturnType<typeof createSimHardware>, id: string, raw: Record<string, unknown>) {
  const options = optionsFor(pcf8574Out, raw, id);
  const device = attachScheme(hw, id, 'pcf8574-out', options)!;
  return { device, driver: pcf8574Out.create(options, packOutputContext(hw, id)) };
}

const chipOf = async (hw: ReturnType<typeof createSimHardware>, address = 0x20) => (await hw.i2c(1)).chipAt(address) as Pcf8574Chip;

test('pcf8574-out: ON/OFF/TOGGLE set only its own bit; the other pins stay high (inputs, datasheet power-on state)', async () => {
  const hw = createSimHardware();
  const { device, driver } = relay(hw, 'pump', { pin: 3 });
  assert.deepEqual(await driver.start(), { state: 'OFF' });
  assert.deepEqual(device.state().writes, [0b1111_0111]);
  assert.deepEqual(await driver.apply({ state: 'ON' }), { state: 'ON' });
  assert.deepEqual(await driver.apply({ state: 'TOGGLE' }), { state: 'OFF' });
  assert.deepEqual(await driver.apply({ state: 'TOGGLE' }), { state: 'ON' });
  assert.deepEqual(device.state().writes, [0xf7, 0xff, 0xf7, 0xff]);
  assert.equal(device.state().level, 1);
});

test('pcf8574-out: invert drives the pin low for ON (active-low relay boards); restore wins over initial', async () => {
  const hw = createSimHardware();
  const a = relay(hw, 'light', { pin: 0, invert: true, initial: 'ON' });
  assert.deepEqual(await a.driver.start(), { state: 'ON' });
  assert.equal(a.device.state().level, 0);
  const b = relay(hw, 'fan', { pin: 1, invert: true });
  assert.deepEqual(await b.driver.start({ state: 'ON' }), { state: 'ON' });
  assert.equal(a.device.state().port, 0b1111_1100);
  await b.driver.apply({ state: 'OFF' });
  assert.equal(b.device.state().port, 0b1111_1110);
});

test('pcf8574-out: eight schemes switching concurrently on one chip never clobber each other', async () => {
  const hw = createSimHardware();
  const relays = Array.from({ length: 8 }, (_, pin) => relay(hw, `r${pin}`, { pin, address: 0x27 }));
  await Promise.all(relays.map((r) => r.driver.start()));
  assert.equal((await chipOf(hw, 0x27)).port, 0x00, 'every pin driven low for OFF');
  // All at once: pins 3 and 5 ON, then everything else ON, and 3 OFF again, interleaved.
  await Promise.all([relays[3]!.driver.apply({ state: 'ON' }), relays[5]!.driver.apply({ state: 'ON' })]);
  assert.equal((await chipOf(hw, 0x27)).port, 0b0010_1000);
  await Promise.all([...relays.map((r, pin) => (pin === 3 ? r.driver.apply({ state: 'OFF' }) : r.driver.apply({ state: 'ON' })))]);
  assert.equal((await chipOf(hw, 0x27)).port, 0b1111_0111);
  assert.equal((await chipOf(hw, 0x27)).writes.length, 8 + 2 + 8, 'one whole byte per command');
});

test('pcf8574-out: the read-modify-write holds the bus, so a slow write cannot be overtaken', async () => {
  // A bus whose writes take a while: without the exclusive hold the second byte would be built
  // from a latch the first write has not updated yet, and pin 3 would go back high.
  const written: number[] = [];
  let tail = Promise.resolve();
  const bus = {
    bus: 9,
    async write(_address: number, data: Buffer) {
      await new Promise((r) => setTimeout(r, 5));
      written.push(data[0]!);
    },
    exclusive<T>(fn: (held: I2cBus) => Promise<T>): Promise<T> {
      const run = tail.then(() => fn(bus));
      tail = run.then(() => {}, () => {});
      return run;
    },
  } as unknown as I2cBus;
  const port = Pcf8574Port.of(bus, 0x20);
  await Promise.all([port.set(3, 0), port.set(5, 0)]);
  assert.deepEqual(written, [0b1111_0111, 0b1101_0111]);
  assert.equal(port.latch, 0b1101_0111);
  assert.equal(Pcf8574Port.of(bus, 0x20), port, 'one port per bus and address');
  assert.notEqual(Pcf8574Port.of(bus, 0x21), port);
});

test('pcf8574-out: a failed write leaves the state and the latch as they were', async () => {
  const hw = createSimHardware();
  const { device, driver } = relay(hw, 'pump', { pin: 6 });
  await driver.start();
  device.set({ fail: true });
  await assert.rejects(driver.apply({ state: 'ON' }), { code: 'EREMOTEIO' });
  device.set({ fail: false });
  assert.deepEqual(await driver.apply({ state: 'TOGGLE' }), { state: 'ON' });
  assert.equal(device.state().port, 0xff);
});

test('pcf8574-out: schema (address ranges of PCF8574 and PCF8574A, pin 0..7) and command', () => {
  assert.deepEqual(pcf8574Out.schema.parse({ pin: 2 }), { bus: 1, address: 0x20, pin: 2, initial: 'OFF', invert: false });
  assert.equal(pcf8574Out.schema.parse({ pin: 2, address: 0x3f }).address, 0x3f);
  assert.throws(() => pcf8574Out.schema.parse({ pin: 8 }));
  assert.throws(() => pcf8574Out.schema.parse({ pin: 1, address: 0x30 }));
  assert.throws(() => pcf8574Out.schema.parse({}));
  assert.deepEqual(pcf8574Out.command.parse({ state: 'ON', for: '2s' }), { state: 'ON', for: 2000 });
  assert.throws(() => pcf8574Out.command.parse({ value: 1 }));
});

test('pcf8574-out: validation lets expander schemes share a chip pin by pin, refuses a pin used twice or a pinless driver on the chip', () => {
  const problems = (yaml: string) => loadSchemeTexts([{ file: 'relays.yaml', text: yaml }], builtins).problems.map((p) => `${p.line}: ${p.message}`);
  const relays = (pins: number[]) => pins.map((pin) => `  - { id: r${pin}, driver: pcf8574-out, address: 0x20, pin: ${pin} }`).join('\n');
  assert.deepEqual(problems(`outputs:\n${relays([0, 1, 2, 7])}`), []);
  // P3 of the expander is not GPIO3.
  assert.deepEqual(problems(`outputs:\n${relays([3])}\n  - { id: fan, driver: gpio-out, pin: 3 }`), []);
  assert.deepEqual(problems(`outputs:\n${relays([4])}\n  - { id: again, driver: pcf8574-out, address: 0x20, pin: 4 }`), [
    "3: pin 4 of I2C bus 1 address 0x20 is already used by 'r4' (relays.yaml:2)",
  ]);
  // pcf8574-in shares the chip pin by pin (the pins it lists); a driver that does not share the
  // chip (no `shares`) owns the whole address.
  const registry = builtins.copy();
  registry.add({ ...pcf8574Out, shares: undefined, name: 'backpack', schema: z.object(i2cDevice({ defaultAddress: 0x20 })) } as any);
  const mixed = (yaml: string) => loadSchemeTexts([{ file: 'mixed.yaml', text: yaml }], registry).problems.map((p) => p.message);
  assert.deepEqual(mixed(`inputs:\n  - { id: zones, driver: pcf8574-in, pins: [4, 5] }\noutputs:\n${relays([0, 1])}`), []);
  assert.deepEqual(mixed(`inputs:\n  - { id: zones, driver: pcf8574-in }\noutputs:\n${relays([1])}`), [
    "pin 1 of I2C bus 1 address 0x20 is already used by 'zones' (mixed.yaml:2)",
  ]);
  assert.deepEqual(mixed(`inputs:\n  - { id: zones, driver: pcf8574-in, pins: [0, 5] }\noutputs:\n${relays([1, 5])}`), [
    "pin 5 of I2C bus 1 address 0x20 is already used by 'zones' (mixed.yaml:2)",
  ]);
  assert.deepEqual(mixed(`outputs:\n${relays([1])}\n  - { id: lcd, driver: backpack }`), ["I2C bus 1 address 0x20 is already used by 'r1' (mixed.yaml:2)"]);
  assert.deepEqual(mixed(`outputs:\n  - { id: lcd, driver: backpack }\n${relays([1])}`), ["I2C bus 1 address 0x20 is already used by 'lcd' (mixed.yaml:2)"]);
});
