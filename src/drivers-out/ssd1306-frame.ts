/**
 * The SSD1306 picture as bytes: text rows drawn with the built-in font into a page-organised
 * frame (SSD1306 datasheet 8.7, GDDRAM: page p holds rows 8p..8p+7, one byte per column, D0 at
 * the top), and which pages differ between two frames, so only those are sent.
 */
import { CELL_HEIGHT, CELL_WIDTH, GLYPH_WIDTH, glyphColumns } from './font.js';

/** Panel size and text scale, which decide how text maps onto pages. */
export interface FrameGeometry {
  /** Pixels across (128). */
  width: number;
  /** Pixels down (32 or 64). */
  height: number;
  /** Character size: 1 draws 6×8 cells, 2 doubles them to 12×16. */
  scale: 1 | 2;
}

/** Rows and columns of text that fit. */
export function textGrid(g: FrameGeometry): { cols: number; rows: number } {
  return { cols: Math.floor(g.width / (CELL_WIDTH * g.scale)), rows: Math.floor(g.height / (CELL_HEIGHT * g.scale)) };
}

/** Spreads each bit of `byte` over `scale` bits: 0b101 at scale 2 is 0b110011. */
function stretch(byte: number, scale: number): number {
  let out = 0;
  for (let y = 0; y < 8; y++) if (byte & (1 << y)) out |= ((1 << scale) - 1) << (y * scale);
  return out;
}

/** Draws `rows` (one string per text row) into a frame of `height/8` pages × `width` bytes. */
export function renderFrame(rows: readonly string[], g: FrameGeometry): Uint8Array {
  const pages = g.height / 8;
  const frame = new Uint8Array(pages * g.width);
  const { cols, rows: maxRows } = textGrid(g);
  rows.slice(0, maxRows).forEach((text, r) => {
    Array.from(text)
      .slice(0, cols)
      .forEach((ch, c) => {
        const glyph = glyphColumns(ch);
        for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
          const column = stretch(glyph[gx]!, g.scale);
          for (let dx = 0; dx < g.scale; dx++) {
            const x = (c * CELL_WIDTH + gx) * g.scale + dx;
            for (let dp = 0; dp < g.scale; dp++) frame[(r * g.scale + dp) * g.width + x] = (column >> (8 * dp)) & 0xff;
          }
        }
      });
  });
  return frame;
}

/**
 * Runs of consecutive pages `[first, last]` whose bytes differ between `before` and `after`;
 * every page when there is no `before` (the RAM content is unknown after power-up).
 */
export function changedPages(before: Uint8Array | undefined, after: Uint8Array, width: number): [number, number][] {
  const pages = after.length / width;
  const runs: [number, number][] = [];
  for (let p = 0; p < pages; p++) {
    const changed = !before || after.subarray(p * width, (p + 1) * width).some((b, i) => b !== before[p * width + i]);
    if (!changed) continue;
    const last = runs.at(-1);
    if (last && last[1] === p - 1) last[1] = p;
    else runs.push([p, p]);
  }
  return runs;
}
