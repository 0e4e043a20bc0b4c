/**
 * Laying text out on a character grid (the displays' rows and columns). Widths are counted in
 * code points, since every glyph the displays know is one cell wide.
 *
 * Every function here reads its input once, front to back, and stops as soon as the grid is
 * full, so the work per command is bounded by what the display can show (plus one pass over
 * the text at most), however long the text is.
 */

/** The first `n` code points of `s`, and whether `s` has more. */
function take(s: string, n: number): { head: string; more: boolean } {
  let count = 0;
  let end = 0;
  for (const ch of s) {
    if (count === n) return { head: s.slice(0, end), more: true };
    count++;
    end += ch.length;
  }
  return { head: s, more: false };
}

/** Cuts `line` to at most `cols` cells. */
export function clip(line: string, cols: number): string {
  return take(line, Math.max(0, cols)).head;
}

/** Fills `line` with spaces to exactly `cols` cells (cutting it if longer). */
export function pad(line: string, cols: number): string {
  const { head } = take(line, Math.max(0, cols));
  let width = 0;
  for (const _ of head) width++;
  return width >= cols ? head : head + ' '.repeat(cols - width);
}

/**
 * Wraps `text` into at most `rows` lines of at most `cols` cells. `\n` starts a new line; words
 * go whole onto the next line when they do not fit, and a word longer than a line is broken.
 * Whatever does not fit in `rows` is dropped, and not read.
 */
export function wrapText(text: string, cols: number, rows: number): string[] {
  const out: string[] = [];
  if (rows <= 0) return out;
  if (cols <= 0) return [''];
  // A word longer than the whole grid cannot be shown past the grid: keep only that much of it.
  const wordCap = cols * rows + 1;
  let line: string[] = [];
  let linesInParagraph = 0;
  let word: string[] = [];
  let wordLength = 0;

  const endLine = () => {
    out.push(line.join(''));
    line = [];
    linesInParagraph++;
  };
  const placeWord = () => {
    if (wordLength === 0) return;
    const w = word;
    const length = Math.min(wordLength, w.length);
    word = [];
    wordLength = 0;
    if (line.length > 0) {
      if (line.length + 1 + length <= cols) {
        line.push(' ');
        for (const c of w) line.push(c);
        return;
      }
      // A word that fits on a line of its own goes there whole; a longer one is broken anyway.
      if (length <= cols || line.length + 1 >= cols) endLine();
      else line.push(' ');
    }
    let at = 0;
    while (line.length + (length - at) > cols && out.length < rows) {
      const room = cols - line.length;
      for (let i = 0; i < room; i++) line.push(w[at + i]!);
      at += room;
      endLine();
    }
    for (; at < length; at++) line.push(w[at]!);
  };
  const endParagraph = () => {
    placeWord();
    if (line.length > 0 || linesInParagraph === 0) endLine();
    linesInParagraph = 0;
  };

  let afterCr = false;
  for (const ch of text) {
    if (out.length >= rows) break;
    if (ch === '\n' && afterCr) {
      afterCr = false;
      continue;
    }
    afterCr = ch === '\r';
    if (ch === '\n' || ch === '\r') endParagraph();
    else if (ch === ' ' || ch === '\t') placeWord();
    else {
      if (word.length < wordCap) word.push(ch);
      wordLength++;
    }
  }
  if (out.length < rows) endParagraph();
  return out.slice(0, rows);
}
