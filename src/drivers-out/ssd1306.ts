/**
 * SSD1306 128×64 / 128×32 OLED on I2C, showing text in hanode's own 5×7 font. Section numbers
 * are those of the Solomon Systech SSD1306 datasheet (rev 1.1); the charge pump command comes
 * from its application note. Only the pages that changed since the last frame are sent.
 */
import { z } from 'zod';
import { defineOutput } from '../core/driver.js';
import type { I2cBus } from '../hardware/types.js';
import { i2cDevice } from '../schemes/pieces.js';
import { displayCommand, displayFields, displayOptions, textDisplay, type TextPanel } from './display.js';
import { changedPages, renderFrame, textGrid } from './ssd1306-frame.js';
import { attachSsd1306 } from '../hardware/sim/chips/ssd1306.js';

/** 8.1.5.2: the control byte after the address. Co=0 then D/C# picks a command or a data stream. */
const COMMAND_STREAM = 0x00;
const DATA_STREAM = 0x40;
const DISPLAY_OFF = 0xae; // 10.1.12
const DISPLAY_ON = 0xaf;
const SET_CONTRAST = 0x81; // 10.1.7
const COLUMN_WINDOW = 0x21; // 10.1.4, horizontal addressing mode only
const PAGE_WINDOW = 0x22; // 10.1.5

/** The power-up sequence of the application note's software initialisation flow chart. */
export function initSequence(o: { height: 32 | 64; rotate: 0 | 180; contrast: number }): number[] {
  const flipped = o.rotate === 180;
  return [
    DISPLAY_OFF,
    0xd5, 0x80, // 10.1.16: clock divide ratio 1, oscillator at its reset value
    0xa8, o.height - 1, // 10.1.11: multiplex ratio = number of rows
    0xd3, 0x00, // 10.1.15: no display offset
    0x40, // 10.1.6: start line 0
    0x8d, 0x14, // app note "charge pump setting": enable the internal charge pump before display on
    0x20, 0x00, // 10.1.3: horizontal addressing, so a column+page window takes a run of pages in one go
    // 10.1.8 and 10.1.14: modules mount the glass upside down, so "upright" is remapped; 180° is the chip's own order.
    flipped ? 0xa0 : 0xa1,
    flipped ? 0xc0 : 0xc8,
    0xda, o.height === 64 ? 0x12 : 0x02, // 10.1.18: alternative COM pins for 64 rows, sequential for 32
    SET_CONTRAST, o.contrast,
    0xd9, 0xf1, // 10.1.17: pre-charge 1 / discharge 15 DCLKs, for the internal charge pump
    0xdb, 0x20, // 10.1.19: VCOMH deselect ≈ 0.77 × VCC (reset value)
    0xa4, // 10.1.9: show the RAM
    0xa6, // 10.1.10: not inverted
    0x2e, // 10.2.3: no scrolling, or RAM writes could land mid-scroll
  ];
}

/** The `ssd1306` output driver: text and templates on an SSD1306 OLED. */
export const ssd1306 = defineOutput({
  name: 'ssd1306',
  direction: 'output',
  description:
    'SSD1306 128×64 or 128×32 I2C OLED showing text in a built-in font. Set it with {"text":…}, {"lines":[…]}, ON/OFF, {"contrast":0–255} or {"clear":true}; {{scheme.field}} templates follow other schemes\' values.',
  bus: 'i2c',
  schema: z.object({
    ...i2cDevice({ defaultAddress: 0x3c, addresses: [0x3c, 0x3d] }),
    width: z.literal(128).default(128).describe('Pixels across').meta({ examples: [128] }),
    height: z.literal([32, 64]).default(64).describe('Pixels down: 64 or 32').meta({ examples: [64] }),
    rotate: z.literal([0, 180]).default(0).describe('Turn the picture upside down with 180').meta({ examples: [180] }),
    contrast: z.number().int().min(0).max(255).default(0x7f).describe('Contrast 0–255 (datasheet reset value 127)').meta({ examples: [200] }),
    scale: z.literal([1, 2]).default(1).describe('Text size: 1 = 21×8 characters on 128×64, 2 = 10×4').meta({ examples: [2] }),
    ...displayOptions,
  }),
  command: displayCommand({ contrast: z.number().int().min(0).max(255).optional().describe('Contrast 0–255') }),
  fields: [...displayFields, { name: 'contrast', type: 'integer', description: 'Contrast 0–255' }],
  example: { id: 'hall-display', driver: 'ssd1306', address: 0x3c, height: 64, lines: ['Kitchen', '{{kitchen-climate.temperature}} °C'] },
  exampleFile: 'schemes/kitchen-display.yaml',
  sim: attachSsd1306,
  create(options, ctx) {
    const geometry = { width: options.width, height: options.height, scale: options.scale };
    const { cols, rows } = textGrid(geometry);
    const addr = options.address;
    let bus: I2cBus | undefined;
    let contrast = options.contrast;
    let last: Uint8Array | undefined;
    const commands = (on: I2cBus, bytes: number[]) => on.write(addr, Buffer.from([COMMAND_STREAM, ...bytes]));

    const panel: TextPanel = {
      cols,
      rows,
      async open(restored) {
        const saved = restored?.contrast;
        if (typeof saved === 'number' && Number.isInteger(saved) && saved >= 0 && saved <= 255) contrast = saved;
        bus = await ctx.hardware.i2c(options.bus);
        last = undefined; // whatever the RAM holds after a restart is unknown: the first frame goes whole
        await commands(bus!, initSequence({ height: options.height, rotate: options.rotate, contrast }));
      },
      async show(text) {
        const frame = renderFrame(text, geometry);
        const width = options.width;
        const runs = changedPages(last, frame, width);
        last = undefined; // until every run is in, the RAM is only partly known
        await bus!.exclusive(async (held) => {
          for (const [first, lastPage] of runs) {
            // 10.1.4/10.1.5: a window of whole pages; the pointer runs across it in horizontal mode (10.1.3).
            await commands(held, [COLUMN_WINDOW, 0, width - 1, PAGE_WINDOW, first, lastPage]);
            await held.write(addr, Buffer.concat([Buffer.from([DATA_STREAM]), frame.subarray(first * width, (lastPage + 1) * width)]));
          }
        });
        last = frame;
      },
      power: (on) => commands(bus!, [on ? DISPLAY_ON : DISPLAY_OFF]),
      async adjust(command) {
        if (typeof command.contrast !== 'number') return;
        await commands(bus!, [SET_CONTRAST, command.contrast]);
        contrast = command.contrast;
      },
      settings: () => ({ contrast }),
      async close() {
        // A dark panel is better than stale values once nothing updates it any more.
        await bus?.write(addr, Buffer.from([COMMAND_STREAM, DISPLAY_OFF])).catch(() => {});
        bus = undefined;
      },
    };
    return textDisplay(panel, options.lines, ctx);
  },
});
