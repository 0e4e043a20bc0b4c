import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandError } from '../../src/core/driver.js';
import { initSequence, ssd1306 } from '../../src/drivers-out/ssd1306.js';
import { changedPages, renderFrame } from '../../src/drivers-out/ssd1306-frame.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import type { Ssd1306Chip } from '../../src/hardware/sim/chips/ssd1306.js';
import { optionsFor } from '../drivers-in/context.js';
import { displayContext, fakeStates, settle, type FakeStates } from './display-helpers.js';
import { attachScheme } from '../hardware/sim/attach.js';

function setup(raw: Record<string, unknown> = {}, states: FakeStates = fakeStates()) {
  const hw = createSimHardware();
  const options = optionsFor(ssd1306, raw, 'oled');
  const chip = attachScheme(hw, 'oled', 'ssd1306', options) as Ssd1306Chip;
  const driver = ssd1306.create(options, displayContext(hw, states, 'oled'));
  return { chip, driver, states };
}

/** The command stream split into commands the way the datasheet's command table counts arguments. */
const INIT_64 = [[0xae], [0xd5, 0x80], [0xa8, 63], [0xd3, 0], [0x40], [0x8d, 0x14], [0x20, 0x00], [0xa1], [0xc8], [0xda, 0x12], [0x81, 0x7f], [0xd9, 0xf1], [0xdb, 0x20], [0xa4], [0xa6], [0x2e]];

test('ssd1306: init sequence for 128×64, a whole first frame, then display on', async () => {
  const { chip, driver } = setup();
  assert.deepEqual(await driver.start(), { state: 'ON', text: '', contrast: 127 });
  assert.deepEqual(chip.commands.slice(0, INIT_64.length), INIT_64);
  assert.deepEqual(chip.commands.slice(INIT_64.length), [[0x21, 0, 127], [0x22, 0, 7], [0xaf]], 'one window over all 8 pages, then on');
  assert.deepEqual(chip.pageWrites, [128, 128, 128, 128, 128, 128, 128, 128]);
  assert.equal(chip.lit, true);
  assert.equal(chip.addressingMode, 0);
  assert.ok(chip.ram.every((b) => b === 0), 'blank RAM');
  await driver.stop();
  assert.equal(chip.lit, false, 'dark after stop');
});

test('ssd1306: 128×32 uses multiplex 31 and sequential COM pins (10.1.11, 10.1.18); rotate 180 undoes the remaps', async () => {
  const { chip, driver } = setup({ height: 32, rotate: 180 });
  await driver.start();
  assert.equal(chip.multiplex, 31);
  assert.equal(chip.comPins, 0x02);
  assert.equal(chip.segmentRemap, false);
  assert.equal(chip.comScanReversed, false);
  assert.deepEqual(chip.pageWrites, [128, 128, 128, 128, 0, 0, 0, 0], 'only the four pages a 32-row panel shows');
  const seq = initSequence({ height: 32, rotate: 0, contrast: 9 });
  assert.deepEqual(seq.slice(seq.indexOf(0xda), seq.indexOf(0xda) + 4), [0xda, 0x02, 0x81, 9]);
  const state = await driver.apply({ lines: ['1', '2', '3', '4'] });
  assert.equal(state.text, '1\n2\n3\n4');
  await assert.rejects(driver.apply({ lines: ['1', '2', '3', '4', '5'] }), (e: Error) => e instanceof CommandError && /4 rows; got 5/.test(e.message));
});

test('ssd1306: the framebuffer holds the font\'s bytes for a known text', async () => {
  const { chip, driver } = setup();
  await driver.start();
  const state = await driver.apply({ text: 'Hi 21°' });
  assert.equal(state.text, 'Hi 21°');
  // H, i, space, 2, 1, °: five glyph columns and one blank column each, D0 at the top (8.7).
  const H = [0x7f, 0x08, 0x08, 0x08, 0x7f, 0];
  const i = [0x00, 0x44, 0x7d, 0x40, 0x00, 0];
  const space = [0, 0, 0, 0, 0, 0];
  const two = [0x42, 0x61, 0x51, 0x49, 0x46, 0];
  const one = [0x00, 0x42, 0x7f, 0x40, 0x00, 0];
  const degree = [0x06, 0x09, 0x09, 0x06, 0x00, 0];
  assert.deepEqual([...chip.page(0).subarray(0, 36)], [...H, ...i, ...space, ...two, ...one, ...degree]);
  assert.ok(chip.page(0).subarray(36).every((b) => b === 0));
  for (let p = 1; p < 8; p++) assert.ok(chip.page(p).every((b) => b === 0), `page ${p} blank`);
});

test('ssd1306: only changed pages are sent; an unchanged page is not rewritten', async () => {
  const { chip, driver } = setup();
  await driver.start();
  await driver.apply({ lines: ['Alpha', 'Beta', 'Gamma'] });
  chip.clearLog();
  await driver.apply({ lines: ['Alpha', 'Delta', 'Gamma'] });
  assert.deepEqual(chip.pageWrites, [0, 128, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(chip.commands, [[0x21, 0, 127], [0x22, 1, 1]]);
  chip.clearLog();
  await driver.apply({ lines: ['Alpha', 'Delta', 'Gamma'] });
  assert.deepEqual(chip.pageWrites, [0, 0, 0, 0, 0, 0, 0, 0], 'nothing changed, nothing sent');
  assert.deepEqual(chip.commands, []);
  chip.clearLog();
  await driver.apply({ lines: ['alpha', 'Delta', 'gamma', 'x'] });
  assert.deepEqual(chip.commands, [[0x21, 0, 127], [0x22, 0, 0], [0x21, 0, 127], [0x22, 2, 3]], 'runs of adjacent pages share a window');
});

test('ssd1306: templates show other schemes\' values and redraw only when a referenced scheme changes', async () => {
  const states = fakeStates({ 'kitchen-climate': { temperature: 21.5 } });
  const { chip, driver } = setup({ lines: ['Kitchen', '{{kitchen-climate.temperature}} °C', '{{cellar.temperature}} °C'] }, states);
  const state = await driver.start();
  assert.deepEqual(state, {
    state: 'ON',
    text: 'Kitchen\n21.5 °C\n-- °C',
    template: 'Kitchen\n{{kitchen-climate.temperature}} °C\n{{cellar.temperature}} °C',
    contrast: 127,
  });
  const expected = renderFrame(['Kitchen', '22 °C', '-- °C'], { width: 128, height: 64, scale: 1 });
  chip.clearLog();
  states.publish('hall-lamp', { state: 'ON' });
  await settle();
  assert.deepEqual(chip.commands, [], 'a scheme the display does not show changes nothing');
  states.publish('kitchen-climate', { temperature: 22 });
  await settle();
  assert.deepEqual(chip.pageWrites, [0, 128, 0, 0, 0, 0, 0, 0], 'only the page with the temperature');
  assert.deepEqual(chip.ram, expected);
  chip.clearLog();
  states.publish('kitchen-climate', { temperature: 22 });
  await settle();
  assert.deepEqual(chip.commands, [], 'the same value is not drawn again');
  assert.equal(states.watchers, 1);
  await driver.stop();
  assert.equal(states.watchers, 0, 'stop stops watching');
});

test('ssd1306: text payloads wrap; ON/OFF/TOGGLE, contrast, clear and a bare number', async () => {
  const { chip, driver } = setup();
  await driver.start();
  let state = await driver.apply({ text: 'The quick brown fox jumps over the lazy dog' });
  assert.equal(state.text, 'The quick brown fox\njumps over the lazy\ndog');
  state = await driver.apply({ state: 'OFF' });
  assert.equal(state.state, 'OFF');
  assert.equal(chip.lit, false);
  assert.deepEqual(chip.commands.at(-1), [0xae]);
  assert.equal((await driver.apply({ state: 'TOGGLE' })).state, 'ON');
  assert.equal(chip.lit, true);
  state = await driver.apply({ contrast: 200 });
  assert.equal(state.contrast, 200);
  assert.equal(chip.contrast, 200);
  state = await driver.apply({ value: 42 });
  assert.equal(state.text, '42');
  state = await driver.apply({ clear: true });
  assert.equal(state.text, '');
  assert.ok(chip.ram.every((b) => b === 0));
});

test('ssd1306: restore brings back content, contrast and OFF', async () => {
  const { chip, driver } = setup();
  const state = await driver.start({ state: 'OFF', text: 'Saved', contrast: 33, ts: 'x' });
  assert.deepEqual(state, { state: 'OFF', text: 'Saved', contrast: 33 });
  assert.equal(chip.lit, false);
  assert.equal(chip.contrast, 33);
  assert.deepEqual(chip.ram, renderFrame(['Saved'], { width: 128, height: 64, scale: 1 }));
  const b = setup({}, fakeStates({ t: { v: 5 } }));
  assert.equal((await b.driver.start({ state: 'ON', text: 'old 4', template: 'old {{t.v}}' })).text, 'old 5', 'the template, not the stale text');
});

test('ssd1306: scale 2 doubles each pixel (12×16 cells)', async () => {
  const { chip, driver } = setup({ scale: 2 });
  await driver.start();
  const state = await driver.apply({ text: 'H' });
  assert.equal(state.text, 'H');
  // H's first column 0x7f (rows 0–6) stretched to rows 0–13: 0x3fff over pages 0 and 1, twice.
  // Its second column, the bar (0x08, row 3), becomes rows 6–7: the top two bits of page 0.
  assert.deepEqual([...chip.page(0).subarray(0, 4)], [0xff, 0xff, 0xc0, 0xc0]);
  assert.deepEqual([...chip.page(1).subarray(0, 4)], [0x3f, 0x3f, 0x00, 0x00]);
  await assert.rejects(driver.apply({ lines: ['1', '2', '3', '4', '5'] }), CommandError);
});

test('ssd1306: a chip that stops answering makes the command fail (not a CommandError); it heals', async () => {
  const { chip, driver } = setup();
  await driver.start();
  chip.set({ fail: true });
  await assert.rejects(driver.apply({ text: 'x' }), (e: Error) => !(e instanceof CommandError));
  chip.set({ fail: false });
  await driver.apply({ text: 'x' });
  assert.deepEqual(chip.ram, renderFrame(['x'], { width: 128, height: 64, scale: 1 }), 'the next frame goes whole');
});

test('ssd1306: sim model follows control bytes, page mode and vertical mode', () => {
  const hw = createSimHardware();
  const chip = attachScheme(hw, 'o', 'ssd1306', { bus: 1, address: 0x3d }) as Ssd1306Chip;
  // Co=1 control bytes: one command, then another control byte (8.1.5.2).
  chip.write(Buffer.from([0x80, 0xb3, 0x80, 0x05, 0x80, 0x11, 0x40, 0xaa, 0xbb]));
  assert.deepEqual([...chip.page(3).subarray(0x15, 0x17)], [0xaa, 0xbb], 'page mode: page 3, column 0x15');
  chip.write(Buffer.from([0x00, 0x20, 0x01, 0x21, 10, 11, 0x22, 6, 7]));
  chip.write(Buffer.from([0x40, 1, 2, 3, 4, 5]));
  assert.deepEqual([chip.page(6)[10], chip.page(7)[10], chip.page(6)[11], chip.page(7)[11], chip.page(6)[10]], [5, 2, 3, 4, 5], 'vertical mode wraps in its window');
  assert.deepEqual(chip.state(), { display_on: false, contrast: 127, fail: false });
  assert.deepEqual(changedPages(new Uint8Array(4), new Uint8Array([0, 1, 0, 1]), 1), [[1, 1], [3, 3]]);
});

test('ssd1306: options and command schema', () => {
  assert.deepEqual(ssd1306.schema.parse({}), { bus: 1, address: 0x3c, width: 128, height: 64, rotate: 0, contrast: 127, scale: 1 });
  assert.throws(() => ssd1306.schema.parse({ address: 0x3e }));
  assert.throws(() => ssd1306.schema.parse({ height: 48 }));
  assert.throws(() => ssd1306.schema.parse({ rotate: 90 }));
  assert.deepEqual(ssd1306.command.parse({ state: 'ON', for: '5s' }), { state: 'ON', for: 5000 });
  assert.deepEqual(ssd1306.command.parse({ contrast: 0 }), { contrast: 0 });
  assert.throws(() => ssd1306.command.parse({ contrast: 256 }));
  assert.throws(() => ssd1306.command.parse({}));
  assert.throws(() => ssd1306.command.parse({ text: 'a', lines: ['b'] }));
  assert.throws(() => ssd1306.command.parse({ backlight: true }), 'an OLED has no backlight');
});
