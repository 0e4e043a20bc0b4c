import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandError } from '../../src/core/driver.js';
import { hd44780, rowOffsets } from '../../src/drivers-out/hd44780.js';
import { Hd44780Link } from '../../src/drivers-out/hd44780-link.js';
import { charCode, encodeText } from '../../src/hardware/datasheets/hd44780-charset.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import { Hd44780Chip, type LcdTransfer } from '../../src/hardware/sim/chips/hd44780.js';
import type { I2cBus } from '../../src/hardware/types.js';
import { optionsFor } from '../drivers-in/context.js';
import { displayContext, fakeStates, settle, type FakeStates } from './display-helpers.js';
import { attachScheme } from '../hardware/sim/attach.js';

function setup(raw: Record<string, unknown> = {}, states: FakeStates = fakeStates()) {
  const hw = createSimHardware();
  const options = optionsFor(hd44780, raw, 'lcd');
  const chip = attachScheme(hw, 'lcd', 'hd44780', options) as Hd44780Chip;
  const driver = hd44780.create(options, displayContext(hw, states, 'lcd'));
  return { chip, driver, states };
}

const cmd = (value: number): LcdTransfer => ({ rs: 0, value });
const data = (text: string): LcdTransfer[] => encodeText(text).map((value) => ({ rs: 1, value }));
/** Figure 24 (4-bit): 0x3 three times and 0x2 in 8-bit mode, then function set, display off, clear, entry mode. */
const INIT = [cmd(0x30), cmd(0x30), cmd(0x30), cmd(0x20), cmd(0x28), cmd(0x08), cmd(0x01), cmd(0x06)];

test('hd44780: initialisation by instruction, then the text, then display on', async () => {
  const { chip, driver } = setup({ lines: ['Kitchen', '21.5°C'] });
  const state = await driver.start();
  assert.deepEqual(state, { state: 'ON', text: 'Kitchen\n21.5°C', backlight: true });
  assert.deepEqual(chip.transfers, [
    ...INIT,
    cmd(0x80), ...data('Kitchen'),
    cmd(0x80 | 0x40), ...data('21.5°C'),
    cmd(0x0c),
  ]);
  assert.deepEqual(chip.errors, [], 'every wait of figure 24 and after clear was kept');
  assert.deepEqual(chip.rows(), ['Kitchen         ', '21.5°C          ']);
  assert.equal(chip.ddram[0x44], 0xdf, '° is ROM code 0xDF');
  assert.equal(chip.displayOn, true);
  assert.equal(chip.backlight, true);
  assert.equal(chip.fourBit, true);
  assert.equal(chip.twoLine, true);
});

test('hd44780: the bytes on the I2C bus: E high then low around each nibble, RS setup first (figure 25)', async () => {
  const writes: number[][] = [];
  const bus = { write: async (_a: number, d: Buffer) => void writes.push([...d]) } as unknown as I2cBus;
  const link = new Hd44780Link(bus, 0x27, { rs: 0, rw: 1, e: 2, backlight: 3, d4: 4, d5: 5, d6: 6, d7: 7 });
  await link.park();
  assert.deepEqual(writes.shift(), [0x08], 'E low, backlight on (P3)');
  await link.send([{ rs: false, value: 0x80 }, { rs: true, value: 0x41 }]);
  // 0x80: nibbles 8, 0 with RS low; 'A' = 0x41: RS goes high, so an E-low byte first, then 4 and 1.
  assert.deepEqual(writes, [[0x8c, 0x88, 0x0c, 0x08, 0x49, 0x4d, 0x49, 0x1d, 0x19]]);
  link.backlight = false;
  await link.send([{ rs: true, value: 0x20 }]);
  assert.deepEqual(writes[1], [0x25, 0x21, 0x05, 0x01]);
});

test('hd44780: 20×4 rows start at 0x00, 0x40, 0x14, 0x54', async () => {
  assert.deepEqual(rowOffsets(20), [0x00, 0x40, 0x14, 0x54]);
  const { chip, driver } = setup({ columns: 20, rows: 4 });
  await driver.start();
  const from = chip.transfers.length;
  await driver.apply({ lines: ['one', 'two', 'three', 'four'] });
  const addresses = chip.transfers.slice(from).filter((t) => t.rs === 0).map((t) => t.value);
  assert.deepEqual(addresses, [0x80, 0xc0, 0x94, 0xd4]);
  assert.deepEqual(chip.rows().map((r) => r.trimEnd()), ['one', 'two', 'three', 'four']);
  const state = await driver.apply({ text: 'A longer text that wraps onto the rows of the display' });
  assert.deepEqual(chip.rows().map((r) => r.trimEnd()), ['A longer text that', 'wraps onto the rows', 'of the display', '']);
  assert.equal(state.text, 'A longer text that\nwraps onto the rows\nof the display');
  await assert.rejects(driver.apply({ lines: ['1', '2', '3', '4', '5'] }), CommandError);
});

test('hd44780: only the changed characters of a row are rewritten', async () => {
  const { chip, driver } = setup({ lines: ['Temp 21.5°C', 'Hum 40%'] });
  await driver.start();
  const from = chip.transfers.length;
  await driver.apply({ lines: ['Temp 21.7°C', 'Hum 40%'] });
  assert.deepEqual(chip.transfers.slice(from), [cmd(0x80 | 8), ...data('7')]);
  const again = chip.transfers.length;
  await driver.apply({ lines: ['Temp 21.7°C', 'Hum 40%'] });
  assert.equal(chip.transfers.length, again, 'nothing changed, nothing sent');
});

test('hd44780: templates re-render when the referenced scheme publishes', async () => {
  const states = fakeStates({ 'kitchen-climate': { temperature: 21.5, humidity: 40 } });
  const { chip, driver } = setup({ lines: ['{{kitchen-climate.temperature}}°C {{kitchen-climate.humidity}}%'] }, states);
  assert.equal((await driver.start()).text, '21.5°C 40%');
  states.publish('kitchen-climate', { temperature: 19, humidity: 40 });
  // The redraw is queued behind the display's other work: wait for it rather than for a fixed time.
  for (let i = 0; i < 100 && chip.rows()[0] !== '19°C 40%        '; i++) await settle();
  assert.equal(chip.rows()[0], '19°C 40%        ');
  assert.deepEqual(chip.errors, []);
  await driver.stop();
  assert.equal(chip.backlight, false, 'dark after stop');
  assert.equal(chip.displayOn, false);
});

test('hd44780: ON/OFF switch display and backlight together; backlight on its own', async () => {
  const { chip, driver } = setup();
  await driver.start();
  let state = await driver.apply({ state: 'OFF' });
  assert.deepEqual([state.state, chip.displayOn, chip.backlight], ['OFF', false, false]);
  state = await driver.apply({ backlight: false });
  assert.equal(state.backlight, false);
  state = await driver.apply({ state: 'ON' });
  assert.deepEqual([chip.displayOn, chip.backlight], [true, false], 'ON keeps the backlight setting');
  state = await driver.apply({ backlight: true });
  assert.deepEqual([state.backlight, chip.backlight], [true, true]);
  assert.deepEqual(chip.transfers.slice(-2), [cmd(0x08), cmd(0x0c)], 'display control, cursor and blink off');
});

test('hd44780: restore brings back text, OFF and the backlight setting', async () => {
  const { chip, driver } = setup();
  const state = await driver.start({ state: 'OFF', text: 'Hello', backlight: false });
  assert.deepEqual(state, { state: 'OFF', text: 'Hello', backlight: false });
  assert.equal(chip.rows()[0], 'Hello           ');
  assert.deepEqual([chip.displayOn, chip.backlight], [false, false]);
});

test('hd44780: initialisation resynchronises an LCD left in 4-bit mode half-way through a byte', async () => {
  const hw = createSimHardware();
  const options = optionsFor(hd44780, { lines: ['again'] }, 'lcd');
  const lcd = attachScheme(hw, 'lcd', 'hd44780', options) as Hd44780Chip;
  const first = hd44780.create(options, displayContext(hw));
  await first.start();
  await first.stop();
  // hanode stopped after one nibble of a byte: the LCD, still in 4-bit mode, waits for the low half.
  lcd.write(Buffer.from([0x1c, 0x18]));
  const second = hd44780.create(options, displayContext(hw));
  await second.start();
  assert.deepEqual(lcd.rows(), ['again           ', '                ']);
  assert.deepEqual(lcd.errors, []);
  assert.equal(lcd.displayOn, true);
});

test('hd44780: a custom pin map, and the sim agrees', async () => {
  const pins = { rs: 4, rw: 5, e: 6, backlight: 7, d4: 0, d5: 1, d6: 2, d7: 3 };
  const { chip, driver } = setup({ pins, lines: ['mapped'] });
  await driver.start();
  assert.equal(chip.rows()[0], 'mapped          ');
  assert.equal(chip.backlight, true);
  assert.deepEqual(chip.errors, []);
});

test('hd44780: the sim notices instructions sent before the LCD is ready', () => {
  const chip = new Hd44780Chip();
  chip.write(Buffer.from([0x08, 0x3c, 0x38])); // 0x3 at once after power-up: too early (figure 24)
  assert.equal(chip.errors.length, 1);
  assert.match(chip.errors[0]!, /too early/);
});

test('hd44780: character codes of ROM A00', () => {
  assert.equal(charCode('°'), 0xdf);
  assert.equal(charCode('A'), 0x41);
  assert.equal(charCode('ä'), 0xe1);
  assert.equal(charCode('µ'), 0xe4);
  assert.equal(charCode('\\'), 0x3f, 'the ROM has ¥ where ASCII has a backslash');
  assert.equal(charCode('~'), 0x3f, 'and → at 0x7E');
  assert.equal(charCode('€'), 0x3f);
});

test('hd44780: options and command schema', () => {
  const o = hd44780.schema.parse({});
  assert.deepEqual(o, { bus: 1, address: 0x27, columns: 16, rows: 2, backlight: true, pins: { rs: 0, rw: 1, e: 2, backlight: 3, d4: 4, d5: 5, d6: 6, d7: 7 } });
  assert.throws(() => hd44780.schema.parse({ pins: { rs: 2 } }), /different/);
  assert.throws(() => hd44780.schema.parse({ columns: 17 }));
  assert.deepEqual(hd44780.command.parse({ backlight: false }), { backlight: false });
  assert.throws(() => hd44780.command.parse({ contrast: 3 }), 'no software contrast on a backpack');
});

test('hd44780: templates take filters; a command with a bad template is refused by the command schema, saying where', async () => {
  const states = fakeStates({ 'kitchen-climate': { temperature: 21.46, humidity: 40 } });
  const { driver } = setup({ lines: ['{{ kitchen-climate.temperature | round: 1 }}C {{ attic.temperature | default: "n/a" }}'] }, states);
  assert.equal((await driver.start()).text, '21.5C n/a');
  const parsed = hd44780.command!.safeParse({ text: 'T {{ kitchen-climate.temperature | rond }}' });
  assert.equal(parsed.success, false);
  assert.equal(parsed.error!.issues[0]!.message, 'template line 1, col 3: undefined filter: rond');
  // Past the schema (a restored text, say), the driver refuses it as a command error would be: it never fails the device.
  await assert.rejects(driver.apply({ text: '{{ not closed' }), /template line 1, col 1: output "\{\{ not closed" not closed/);
  await driver.stop();
});
