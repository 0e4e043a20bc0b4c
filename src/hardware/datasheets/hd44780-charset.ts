/**
 * Text to HD44780 character codes for the common ROM code A00 (HD44780U datasheet, table 4,
 * "Correspondence between character codes and character patterns"). 0x20–0x7D are ASCII except
 * 0x5C, which is ¥ in that ROM; a few symbols live in the upper half, among them ° at 0xDF.
 * Anything else becomes `?`.
 */

/** Characters outside ASCII that ROM A00 has, by code. */
const UPPER: Record<string, number> = {
  '¥': 0x5c,
  '→': 0x7e,
  '←': 0x7f,
  '°': 0xdf,
  'α': 0xe0,
  'ä': 0xe1,
  'β': 0xe2,
  'ß': 0xe2, // the ROM's β is the usual stand-in
  'µ': 0xe4, // micro sign and Greek mu look the same on the glass
  'μ': 0xe4,
  '√': 0xe8,
  'ñ': 0xee,
  'ö': 0xef,
  '∞': 0xf3,
  'Ω': 0xf4,
  'ü': 0xf5,
  'Σ': 0xf6,
  'π': 0xf7,
  '÷': 0xfd,
  '█': 0xff,
};

const QUESTION = 0x3f;

const BY_CODE = new Map<number, string>(Object.entries(UPPER).map(([ch, code]) => [code, ch]));
BY_CODE.set(0xe4, 'µ');
BY_CODE.set(0xe2, 'β');

/** The code that shows `ch`, or that of `?`. */
export function charCode(ch: string): number {
  const cp = ch.codePointAt(0) ?? QUESTION;
  if (cp >= 0x20 && cp <= 0x7d && cp !== 0x5c) return cp;
  return UPPER[ch] ?? QUESTION;
}

/** Codes for each character of `text`. */
export function encodeText(text: string): number[] {
  return Array.from(text, charCode);
}

/** What code `code` shows, as text (for the sim and tests); unknown codes as `\xNN`. */
export function decodeChar(code: number): string {
  if (code >= 0x20 && code <= 0x7d && code !== 0x5c) return String.fromCharCode(code);
  return BY_CODE.get(code) ?? `\\x${code.toString(16).padStart(2, '0')}`;
}
