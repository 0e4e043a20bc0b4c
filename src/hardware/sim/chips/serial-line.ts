/**
 * A device on a sim serial port that prints lines (a card reader, an Arduino): it prints its
 * `line` when the port is opened and each time `$sim` sets one. Opened at a baud rate other than
 * the one it runs at, it prints what a UART would make of it: bytes of noise with no line end.
 */
import type { SimDevice } from '../types.js';
import type { SimSerialDevice, SimSerialLink } from '../serial.js';
import { numberOption, stringOption, type SimModel } from '../board.js';

export class SerialLineDevice implements SimSerialDevice, SimDevice {
  line = '0004713251';
  readonly #links = new Map<SimSerialLink, number>();

  constructor(
    readonly delimiter: string,
    readonly baud: number,
  ) {}

  /** `$sim` keys: line (text, printed at once; may hold several lines) and fail (the port errors). */
  set(quantities: Record<string, unknown>): void {
    if (quantities === null || typeof quantities !== 'object') throw new Error('serial-line sim: expected an object with line, fail');
    for (const [key, value] of Object.entries(quantities)) {
      if (key === 'line') {
        if (typeof value !== 'string' || value.length > 65536) throw new Error('serial-line sim: line must be a string of at most 65536 characters');
        this.line = value;
        for (const link of this.#links.keys()) this.#print(link);
      } else if (key === 'fail') {
        if (typeof value !== 'boolean') throw new Error('serial-line sim: fail must be true or false');
        if (value) for (const link of this.#links.keys()) link.fail(new Error('serial port: device disconnected'));
      } else throw new Error(`serial-line sim: unknown key '${key}'; expected line, fail`);
    }
  }

  state(): Record<string, unknown> {
    return { line: this.line, open: this.#links.size };
  }

  #print(link: SimSerialLink): void {
    if (this.#links.get(link) !== this.baud) return link.send(Buffer.from([0xe0, 0x1c, 0xfe, 0x80]));
    link.send(Buffer.from(this.line + this.delimiter, 'utf8'));
  }

  opened(link: SimSerialLink, baudRate: number): void {
    this.#links.set(link, baudRate);
    this.#print(link);
  }

  closed(link: SimSerialLink): void {
    this.#links.delete(link);
  }
}

/** Puts a line-printing device at the scheme's `port`, running at the scheme's baud rate. */
export const attachSerialLine: SimModel = (board, _id, options) => {
  const path = stringOption(options, 'port');
  return board.claim(
    `serial:${path}`,
    () => {
      const lineEnd = stringOption(options, 'line_end');
      const device = new SerialLineDevice(lineEnd === 'crlf' ? '\r\n' : lineEnd === 'cr' ? '\r' : '\n', numberOption(options, 'baud'));
      board.serial.place(path, device);
      return device;
    },
    () => board.serial.remove(path),
  );
};
