import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSimHardware } from '../../../src/hardware/sim/index.js';
import { ChipCatalog } from '../../../src/hardware/catalog.js';
import { simSensorId } from '../../../src/hardware/sim/chips/ds18b20.js';
import { attachScheme } from './attach.js';
import { builtins } from '../../helpers/drivers.js';

test('attach is idempotent per scheme and shares a device between schemes at one place', () => {
  const hw = createSimHardware();
  const a = attachScheme(hw, 'climate', 'bme280', { bus: 1, address: 0x76 });
  assert.ok(a);
  assert.equal(attachScheme(hw, 'climate', 'bme280', { bus: 1, address: 0x76 }), a);
  assert.equal(hw.device('climate'), a);
  const b = attachScheme(hw, 'climate-copy', 'bme280', { bus: 1, address: 0x76 });
  b!.set({ temperature: 30 });
  assert.equal(a!.state().temperature, 30);
  const c = attachScheme(hw, 'other', 'bme280', { bus: 1, address: 0x77 });
  assert.notEqual(c, a);
});

test('attach returns undefined for a driver without a sim model', () => {
  const hw = createSimHardware();
  assert.equal(attachScheme(hw, 'x', 'http-json', { url: 'http://127.0.0.1:1/' }), undefined);
  assert.equal(hw.device('x'), undefined);
});

test('re-attaching with other options moves the device; detach takes it off the bus', async () => {
  const hw = createSimHardware();
  attachScheme(hw, 'climate', 'bme280', { bus: 1, address: 0x76 });
  const bus = await hw.i2c(1);
  assert.deepEqual(await bus.scan(), [0x76]);
  attachScheme(hw, 'climate', 'bme280', { bus: 1, address: 0x77 });
  assert.deepEqual(await bus.scan(), [0x77]);
  attachScheme(hw, 'other', 'bme280', { bus: 1, address: 0x77 });
  hw.detach('climate');
  assert.deepEqual(await bus.scan(), [0x77], 'still used by the other scheme');
  hw.detach('other');
  assert.deepEqual(await bus.scan(), []);
});

test('gpio-in and gpio-out on one pin share the line', async () => {
  const hw = createSimHardware();
  const input = attachScheme(hw, 'in', 'gpio-in', { pin: 17 })!;
  const output = attachScheme(hw, 'out', 'gpio-out', { pin: 'GPIO17' })!;
  const line = await hw.gpio.open(17, { direction: 'out' });
  await line.write(1);
  assert.equal(input.state().level, 1);
  assert.equal(output.state().level, 1);
});

test('unknown keys and wrong values name what is expected', () => {
  const hw = createSimHardware();
  const cases: [string, Record<string, unknown>, Record<string, unknown>, RegExp][] = [
    ['bme280', { address: 0x76 }, { temp: 20 }, /bme280 sim: unknown key 'temp'; expected temperature, humidity, pressure, fail/],
    ['bme280', { address: 0x76 }, { temperature: '20' }, /'temperature' must be a number/],
    ['bme280', { address: 0x76 }, { humidity: 120 }, /humidity 120 is outside 0..100/],
    ['mcp3008', { channel: 1 }, { volts: 1 }, /mcp3008 sim: unknown key 'volts'; expected voltage, fail/],
    ['ds18b20', {}, { temperature: 200 }, /outside -55..125/],
    ['gpio-in', { pin: 5 }, { level: 2 }, /'level' must be 0 or 1/],
    ['gpio-out', { pin: 6 }, { level: 1 }, /gpio-out sim: unknown key 'level'; expected fail/],
    ['system', {}, { fail: 'yes' }, /'fail' must be true or false/],
    ['system', {}, { uptime: 5 }, /unknown key 'uptime'; expected cpu_temp, load1, mem_used_pct, disk_used_pct, fail/],
  ];
  for (const [driver, options, set, message] of cases) {
    const device = attachScheme(hw, `${driver}-scheme`, driver, options)!;
    assert.throws(() => device.set(set), message, `${driver} ${JSON.stringify(set)}`);
  }
});

test('scan shows a plausible Pi with the attached devices', async () => {
  const hw = createSimHardware();
  attachScheme(hw, 'climate', 'bme280', { bus: 1, address: 0x76 });
  attachScheme(hw, 'far', 'bme280', { bus: 3, address: 0x77 });
  attachScheme(hw, 'tank', 'ds18b20', { sensor_id: '28-0316a2795aff' });
  attachScheme(hw, 'adc', 'mcp3008', { bus: 1, device: 0, channel: 0 });
  const scan = await hw.scan({ catalog: ChipCatalog.of(builtins) });
  assert.equal(scan.hardware, 'sim');
  const header = scan.gpiochips.find((c) => c.label === 'pinctrl-bcm2711');
  assert.deepEqual(header && { base: header.base, ngpio: header.ngpio }, { base: 512, ngpio: 58 });
  assert.deepEqual(scan.i2c.map((b) => [b.bus, b.addresses.map((a) => a.hex)]), [[1, ['0x76']], [3, ['0x77']]]);
  assert.ok(scan.i2c[0]!.addresses[0]!.likely.includes('BME280'));
  assert.deepEqual(scan.spi.map((s) => s.path), ['/dev/spidev0.0', '/dev/spidev0.1', '/dev/spidev1.0']);
  assert.deepEqual(scan.onewire, ['28-0316a2795aff']);
  assert.match(scan.system.model ?? '', /Raspberry Pi/);
});

test('buses that are not there fail like missing device nodes', async () => {
  const hw = createSimHardware();
  await assert.rejects(hw.i2c(7), { code: 'ENOENT' });
  await assert.rejects(hw.spi(2, 0), { code: 'ENOENT' });
  await hw.i2c(1);
  await hw.spi(0, 1);
});

test('a ds18b20 without sensor_id gets a stable 28- id derived from the scheme', async () => {
  const hw = createSimHardware();
  attachScheme(hw, 'tank', 'ds18b20', {});
  assert.match(simSensorId('tank'), /^28-[0-9a-f]{12}$/);
  assert.deepEqual(await hw.oneWire.list(), [simSensorId('tank')]);
  await assert.rejects(hw.oneWire.read('28-000000000000'), { code: 'ENOENT' });
});

test('system facts can be set and fail', async () => {
  const hw = createSimHardware();
  const sys = attachScheme(hw, 'health', 'system', {})!;
  sys.set({ cpu_temp: null, load1: 2.5 });
  const facts = await hw.system.facts();
  assert.equal(facts.cpu_temp, null);
  assert.equal(facts.load1, 2.5);
  assert.ok(facts.uptime >= 3600);
  sys.set({ fail: true });
  await assert.rejects(hw.system.facts(), { code: 'EIO' });
  sys.set({ fail: false });
  await hw.system.facts();
});

test('a sim model reads the parsed options and says so when one is missing, instead of guessing a default', () => {
  const hw = createSimHardware();
  const bme280 = builtins.inputs['bme280']!;
  assert.throws(() => hw.attach('climate', bme280.sim, { bus: 1 }), /sim: option 'address' must be a number, got undefined; a sim model takes the scheme's parsed options, defaults filled in/);
  assert.equal(hw.device('climate'), undefined, 'nothing attached');
  assert.deepEqual([...hw.pwmChannels.keys()], []);
});
