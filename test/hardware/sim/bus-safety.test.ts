/**
 * Shared bus safety (issue 4, acceptance 4): sensors on one I2C bus, read concurrently through
 * the real drivers, never interleave their exchanges. The ADS1115 is the chip where it matters
 * most: a reading is config write (input + start), wait, OS polls, conversion read. Two schemes on
 * two of its inputs that interleave get each other's conversions. The same run with the per-bus
 * lock bypassed shows exactly that, so this test would fail without the lock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { ads1115 } from '../../../src/drivers-in/ads1115.js';
import { bme280 } from '../../../src/drivers-in/bme280.js';
import { SimI2cBus, type I2cChip } from '../../../src/hardware/sim/i2c.js';
import { Ads1115Chip } from '../../../src/hardware/sim/chips/ads1115.js';
import { Bme280Chip } from '../../../src/hardware/sim/chips/bme280.js';
import type { I2cBus } from '../../../src/hardware/types.js';
import { fakeHardware, inputContext, optionsFor } from '../../drivers-in/context.js';

/** Which scheme is on the bus: each driver's reads run inside `who.run(scheme, …)`. */
const who = new AsyncLocalStorage<string>();

interface Entry {
  scheme: string;
  address: number;
  op: 'write' | 'read';
  bytes: number[];
}

/** Puts `chip` on the bus behind a tap that logs each transaction with the scheme that made it. */
function tap(bus: SimI2cBus, address: number, chip: I2cChip, log: Entry[]): void {
  bus.place(address, {
    get failing() {
      return chip.failing;
    },
    write(data) {
      log.push({ scheme: who.getStore() ?? '?', address, op: 'write', bytes: [...data] });
      chip.write(data);
    },
    read(length) {
      const out = chip.read(length);
      log.push({ scheme: who.getStore() ?? '?', address, op: 'read', bytes: [...out] });
      return out;
    },
  });
}

/** The same bus with `exclusive` made a no-op: the test-only way to run the drivers without the lock. */
function withoutLock(bus: SimI2cBus): I2cBus {
  return {
    bus: bus.bus,
    write: (a, d) => bus.write(a, d),
    read: (a, n) => bus.read(a, n),
    readRegister: (a, r, n) => bus.readRegister(a, r, n),
    scan: () => bus.scan(),
    exclusive(fn) {
      return fn(this);
    },
  };
}

/**
 * Exchanges that were cut into: an exchange opens with the write that starts a measurement
 * (ADS1115 config with OS set, BME280 ctrl_meas) and closes with the read of its result;
 * any transaction of another scheme in between is an interleaving.
 */
function interleavings(log: Entry[]): string[] {
  const found: string[] = [];
  let open: Entry | undefined;
  let closing = false;
  for (const e of log) {
    if (open && e.scheme !== open.scheme) found.push(`${e.scheme} ${e.op} 0x${e.address.toString(16)} inside ${open.scheme}'s exchange`);
    const starts =
      e.op === 'write' && ((e.address === 0x48 && e.bytes[0] === 0x01 && e.bytes.length === 3 && (e.bytes[1]! & 0x80) !== 0) || (e.address === 0x76 && e.bytes.includes(0xf4)));
    if (starts) open = e;
    // The result read: the read that follows the pointer write to the ADS1115 conversion register or the BME280 data block.
    if (e.op === 'write' && e.bytes.length === 1 && (e.bytes[0] === 0x00 || e.bytes[0] === 0xf7)) closing = true;
    else if (e.op === 'read' && closing) {
      closing = false;
      if (open?.scheme === e.scheme) open = undefined;
    }
  }
  return found;
}

async function run(locked: boolean) {
  const simBus = new SimI2cBus(1);
  const log: Entry[] = [];
  const adc = new Ads1115Chip();
  adc.voltages.splice(0, 4, 1.0, 2.0, 0, 0);
  tap(simBus, 0x48, adc, log);
  const climate = new Bme280Chip();
  climate.set({ temperature: 23.5 });
  tap(simBus, 0x76, climate, log);
  const hw = fakeHardware({ i2c: async () => (locked ? simBus : withoutLock(simBus)) });

  const a0 = ads1115.create(optionsFor(ads1115, { input: 'A0', data_rate: 128 }, 'battery'), inputContext(hw, 'battery'));
  const a1 = ads1115.create(optionsFor(ads1115, { input: 'A1', data_rate: 128 }, 'solar'), inputContext(hw, 'solar'));
  const bme = bme280.create(optionsFor(bme280, {}, 'climate'), inputContext(hw, 'climate'));
  await Promise.all([a0.start(), a1.start(), bme.start()]);
  log.length = 0;

  const readings: Record<string, number[]> = { battery: [], solar: [], climate: [] };
  for (let round = 0; round < 3; round++) {
    const [x, y, z] = await Promise.all([
      who.run('battery', () => a0.read!()),
      who.run('solar', () => a1.read!()),
      who.run('climate', () => bme.read!()),
    ]);
    readings.battery!.push(x.voltage as number);
    readings.solar!.push(y.voltage as number);
    readings.climate!.push(z.temperature as number);
  }
  return { readings, log, conversions: adc.conversions };
}

test('two sensors on one bus, read concurrently, never interleave and each reads its own input', async () => {
  const { readings, log, conversions } = await run(true);
  assert.deepEqual(readings, { battery: [1, 1, 1], solar: [2, 2, 2], climate: [23.5, 23.5, 23.5] });
  assert.deepEqual(interleavings(log), []);
  assert.equal(conversions, 6, 'one conversion per ADS1115 reading');
  assert.ok(new Set(log.map((e) => e.scheme)).size === 3, 'all three schemes used the bus');
});

test('without the per-bus lock the same run interleaves and a scheme reads the other input (the lock is what prevents it)', async () => {
  const { readings, log, conversions } = await run(false);
  assert.ok(interleavings(log).length > 0, 'exchanges interleave without the lock');
  // The second config write lands while the first conversion runs: it switches the multiplexer but
  // starts nothing (OS has no effect during a conversion), so "solar" reads the battery's result.
  assert.ok(readings.solar!.some((v) => v !== 2), `solar read ${readings.solar!.join(', ')} V instead of 2 V`);
  assert.ok(conversions < 6, `${conversions} conversions for 6 readings`);
});
