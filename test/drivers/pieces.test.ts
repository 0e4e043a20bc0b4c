/**
 * Every driver that talks to a bus comes with all its pieces (see pieces.ts), and its example
 * scheme file really runs under sim: the example's scheme is attached to the sim board, started,
 * read (or driven to its first state) and stopped with the real driver code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { defineInput, type CommonOptions, type DriverDef } from '../../src/core/driver.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import { loadSchemeTexts } from '../../src/schemes/loader.js';
import { i2cDevice } from '../../src/schemes/pieces.js';
import { packInputContext, packOutputContext } from '../drivers-in/pack-context.js';
import { HARDWARE_BUSES, missingPieces, ROOT } from './pieces.js';
import { builtins } from '../helpers/drivers.js';

const registry = builtins;
const hardwareDrivers: DriverDef[] = [...Object.values(registry.inputs), ...Object.values(registry.outputs)].filter((d) => HARDWARE_BUSES.has(d.bus));

test('every driver that talks to a bus has a sim model, a fixture, a unit test, an example and (I2C) its chips', () => {
  assert.ok(hardwareDrivers.length >= 19, `only ${hardwareDrivers.length} hardware drivers found`);
  const missing = hardwareDrivers.flatMap((def) => missingPieces(def, registry));
  assert.deepEqual(missing, [], `\n${missing.join('\n')}\n`);
});

test('a driver without its pieces is told what to add, one sentence each', () => {
  const bare = defineInput({
    name: 'bme999',
    direction: 'input',
    description: 'A driver that was never finished',
    bus: 'i2c',
    schema: z.object({ ...i2cDevice({ defaultAddress: 0x76 }) }),
    fields: [],
    example: { id: 'x', driver: 'bme999' },
    polled: true,
    create: () => assert.fail('not run'),
  });
  assert.deepEqual(missingPieces(bare, registry), [
    'bme999 has no sim model: give its definition `sim:` (see src/hardware/sim/chips; GPIO, PWM and system models are in src/hardware/sim/models.ts)',
    'bme999 has no fixture: write test/fixtures/drivers/bme999.yaml with a scheme that uses it (test/fixtures-drivers.test.ts validates every fixture)',
    "bme999 has no unit test: write test/drivers-in/bme999.test.ts (raw bus bytes in, published fields out; the datasheet's worked example where there is one)",
    'bme999 has no example: give its definition `exampleFile:` naming a scheme file under schemes/ that runs under sim',
    "bme999 lists no chips: list them (part names and I2C addresses) as its `chips:` in src/drivers-in/index.ts or src/drivers-out/index.ts, or a plugin's in its definition, so `hanode scan` names it and `scan --write` drafts it",
  ]);
  const pointingAtAnother = { ...registry.inputs['bme280']!, name: 'bmp280x', exampleFile: 'schemes/kitchen-climate.yaml' };
  assert.ok(missingPieces(pointingAtAnother, registry).includes("bmp280x's example is not usable: schemes/kitchen-climate.yaml has no input with driver: bmp280x"));
});

for (const def of hardwareDrivers) {
  test(`${def.name}: its example ${def.exampleFile} runs under sim`, async () => {
    assert.ok(def.exampleFile && def.sim, `${def.name} has no example or no sim model (see the test above)`);
    const loaded = loadSchemeTexts([{ file: def.exampleFile, text: readFileSync(join(ROOT, def.exampleFile), 'utf8') }], registry);
    const scheme = [...loaded.inputs, ...loaded.outputs].find((s) => s.driver === def.name)!;
    const options = scheme.options as z.output<z.ZodObject> & CommonOptions;
    const hw = createSimHardware();
    assert.ok(hw.attach(scheme.id, def.sim, options), 'the sim model puts a device on the board');
    if (def.direction === 'input') {
      const ctx = packInputContext(hw, scheme.id);
      const driver = def.create(options, ctx);
      await driver.start();
      try {
        // An event-driven driver's first reading may come just after start (a serial device's first line).
        for (let waited = 0; !def.polled && ctx.emitted.length === 0 && waited < 2000; waited += 10) await new Promise((r) => setTimeout(r, 10));
        const reading = def.polled ? await driver.read!() : ctx.emitted[0];
        assert.ok(reading && Object.keys(reading).length > 0, 'a first reading');
        // Every key is a declared field (pcf8574-in publishes only the pins a scheme names).
        const declared = new Set(def.fields.map((f) => f.name));
        for (const key of Object.keys(reading)) assert.ok(declared.has(key), `${def.name} publishes '${key}', which is not among its fields`);
        assert.deepEqual(ctx.failures, []);
      } finally {
        await driver.stop();
      }
    } else {
      const driver = def.create(options, packOutputContext(hw, scheme.id));
      const state = await driver.start();
      try {
        assert.equal(typeof state, 'object', 'a first state');
      } finally {
        await driver.stop();
      }
    }
    await hw.close();
  });
}
