import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DebouncedInput } from '../../src/drivers-in/debounced-input.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import type { Gpio, Level } from '../../src/hardware/types.js';

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function watched(gpio: Gpio, pin: number) {
  const levels: Level[] = [];
  const failures: Error[] = [];
  const input = new DebouncedInput(gpio, { driver: 'test-input', pin, debounce: 20, settled: (l) => levels.push(l), fail: (e) => failures.push(e) });
  return { input, levels, failures };
}

test('debounced input: hands on the level that held, once per quiet period, and nothing after close', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const hw = createSimHardware();
  const pin = hw.gpio.pin(5);
  const { input, levels } = watched(hw.gpio, 5);
  assert.equal(await input.open(), 0);
  for (const level of [1, 0, 1] as const) {
    pin.update(() => (pin.external = level));
    await settle();
    t.mock.timers.tick(5);
    await settle();
  }
  assert.deepEqual(levels, [], 'nothing while the line still bounces');
  t.mock.timers.tick(20);
  await settle();
  assert.deepEqual(levels, [1]);
  assert.equal(await input.read(), 1);

  pin.update(() => (pin.external = 0));
  await settle();
  await input.close();
  t.mock.timers.tick(50);
  await settle();
  assert.deepEqual(levels, [1], 'a debounce running at close is dropped');
  await assert.rejects(input.read(), /test-input not started/);
});

test('debounced input: a first read that fails closes the line again and throws', async () => {
  let closed = 0;
  const gpio: Gpio = {
    open: async (pin) => ({
      pin: Number(pin),
      read: async () => {
        throw new Error('EIO: cannot read /sys/class/gpio/gpio5/value');
      },
      write: async () => {},
      watch: () => () => {},
      close: async () => void closed++,
    }),
  };
  const { input } = watched(gpio, 5);
  await assert.rejects(input.open(), /EIO/);
  assert.equal(closed, 1);
  await assert.rejects(input.read(), /not started/);
});
