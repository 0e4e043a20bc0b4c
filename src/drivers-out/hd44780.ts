/**
 * HD44780 character LCD (16×2, 20×4) behind a PCF8574 I2C backpack, in 4-bit mode. Only the
 * characters that changed are rewritten: each changed row gets one DDRAM address and the run of
 * characters from its first to its last change. Section numbers are those of the HD44780U
 * datasheet; the wire protocol is in hd44780-link.ts.
 */
import { z } from 'zod';
import { defineOutput } from '../core/driver.js';
import { i2cDevice } from '../schemes/pieces.js';
import { displayCommand, displayFields, displayOptions, textDisplay, type TextPanel } from './display.js';
import { encodeText } from '../hardware/datasheets/hd44780-charset.js';
import { backpackPins, Hd44780Link, LCD, type LcdByte } from './hd44780-link.js';
import { attachHd44780 } from '../hardware/sim/chips/hd44780.js';

/**
 * DDRAM address of the first character of each row. In two-line mode line 1 starts at 0x00 and
 * line 2 at 0x40 (section "Display Data RAM"); a 4-row module continues row 1 into row 3 and row 2
 * into row 4, so rows 3 and 4 start one row width further on: 0x14 and 0x54 on a 20×4.
 */
export function rowOffsets(columns: number): number[] {
  return [0x00, 0x40, columns, 0x40 + columns];
}

/** The `hd44780` output driver: text and templates on a character LCD behind a PCF8574 backpack. */
export const hd44780 = defineOutput({
  name: 'hd44780',
  direction: 'output',
  description:
    'HD44780 16×2 or 20×4 character LCD on a PCF8574 I2C backpack, 4-bit mode. Set it with {"text":…}, {"lines":[…]}, ON/OFF (display and backlight), {"backlight":true|false} or {"clear":true}; {{scheme.field}} templates follow other schemes\' values.',
  bus: 'i2c',
  schema: z.object({
    ...i2cDevice({ defaultAddress: 0x27 }),
    columns: z.literal([16, 20]).default(16).describe('Characters per row').meta({ examples: [20] }),
    rows: z.literal([2, 4]).default(2).describe('Rows').meta({ examples: [4] }),
    backlight: z.boolean().default(true).describe('Backlight on at start').meta({ examples: [true] }),
    pins: backpackPins,
    ...displayOptions,
  }),
  command: displayCommand({ backlight: z.boolean().optional().describe('Backlight on or off') }),
  fields: [...displayFields, { name: 'backlight', type: 'boolean', description: 'Whether the backlight is on (it is dark while the display is OFF)' }],
  example: { id: 'hall-lcd', driver: 'hd44780', address: 0x27, columns: 20, rows: 4, lines: ['Kitchen {{kitchen-climate.temperature}} °C'] },
  exampleFile: 'schemes/hall-lcd.yaml',
  sim: attachHd44780,
  create(options, ctx) {
    const offsets = rowOffsets(options.columns);
    const blank = () => Array.from({ length: options.rows }, () => new Array<number>(options.columns).fill(0x20));
    let link: Hd44780Link | undefined;
    let backlight = options.backlight;
    let on = false;
    let shown: number[][] | undefined;

    const panel: TextPanel = {
      cols: options.columns,
      rows: options.rows,
      async open(restored) {
        if (typeof restored?.backlight === 'boolean') backlight = restored.backlight;
        link = new Hd44780Link(await ctx.hardware.i2c(options.bus), options.address, options.pins);
        link.backlight = false; // dark until the first picture is in
        on = false;
        shown = undefined;
        await link.initialise();
        shown = blank(); // clear display filled DDRAM with spaces (table 6)
      },
      async show(rows) {
        const next = rows.map((r) => encodeText(r));
        const before = shown ?? next.map(() => []);
        const bytes: LcdByte[] = [];
        next.forEach((codes, r) => {
          const changed = codes.flatMap((c, i) => (c !== before[r]![i] ? [i] : []));
          if (changed.length === 0) return;
          const first = changed[0]!;
          const last = changed.at(-1)!;
          bytes.push({ rs: false, value: LCD.setDdramAddress | (offsets[r]! + first) });
          for (const value of codes.slice(first, last + 1)) bytes.push({ rs: true, value });
        });
        shown = undefined; // unknown until the write went through
        await link!.send(bytes);
        shown = next;
      },
      async power(next) {
        link!.backlight = next && backlight;
        // Display control (table 6): D on or off, cursor and blink always off.
        await link!.instruction(LCD.displayControl | (next ? 0x04 : 0));
        on = next;
      },
      async adjust(command) {
        if (typeof command.backlight !== 'boolean') return;
        backlight = command.backlight;
        link!.backlight = on && backlight;
        await link!.park();
      },
      settings: () => ({ backlight }),
      async close() {
        const l = link;
        link = undefined;
        if (!l) return;
        // Dark and blank rather than stale values once nothing updates the display.
        l.backlight = false;
        await l.instruction(LCD.displayControl).catch(() => {});
      },
    };
    return textDisplay(panel, options.lines, ctx);
  },
});
