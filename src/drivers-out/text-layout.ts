/**
 * Laying text out on a character grid (the displays' rows and columns). Widths are counted in
 * code points, since every glyph the displays know is one cell wide.
 */

const cells = (s: string) => Array.from(s);

/** Cuts `line` to at most `cols` cells. */
export function clip(line: string, cols: number): string {
  const c = cells(line);
  return c.length <= cols ? line : c.slice(0, cols).join('');
}

/** Fills `line` with spaces to exactly `cols` cells (cutting it if longer). */
export function pad(line: string, cols: number): string {
  const c = cells(line);
  return c.length >= cols ? c.slice(0, cols).join('') : line + ' '.repeat(cols - c.length);
}

/**
 * Wraps `text` into at most `rows` lines of at most `cols` cells. `\n` starts a new line; words
 * go whole onto the next line when they do not fit, and a word longer than a line is broken.
 * Whatever does not fit in `rows` is dropped.
 */
export function wrapText(text: string, cols: number, rows: number): string[] {
  const out: string[][] = [];
  for (const paragraph of text.replace(/\r\n?/g, '\n').split('\n')) {
    const lines: string[][] = [];
    let line: string[] = [];
    for (const word of paragraph.split(/[ \t]+/).filter(Boolean)) {
      let w = cells(word);
      if (line.length > 0) {
        if (line.length + 1 + w.length <= cols) {
          line.push(' ', ...w);
          continue;
        }
        // A word that fits on a line of its own goes there whole; a longer one is broken anyway.
        if (w.length <= cols || line.length + 1 >= cols) {
          lines.push(line);
          line = [];
        } else {
          line.push(' ');
        }
      }
      while (line.length + w.length > cols) {
        const room = cols - line.length;
        line.push(...w.slice(0, room));
        w = w.slice(room);
        lines.push(line);
        line = [];
      }
      line.push(...w);
    }
    if (line.length > 0 || lines.length === 0) lines.push(line);
    out.push(...lines);
  }
  return out.slice(0, rows).map((l) => l.join(''));
}
