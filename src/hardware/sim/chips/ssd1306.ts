/**
 * An SSD1306 OLED controller on the sim I2C bus (Solomon Systech SSD1306 datasheet rev 1.1).
 * It reads the control byte of each transaction (8.1.5.2: Co, D/C#), runs the command stream
 * through the command table (section 9, with each command's argument count), and writes data
 * into the 128×64 GDDRAM (8.7) following the addressing mode and the column/page windows (10.1.3
 * to 10.1.5). Tests look at `ram`, `commands` and `pageWrites`.
 */
import type { I2cChip } from '../i2c.js';
import type { SimDevice } from '../types.js';
import { checkQuantities } from '../quantities.js';
import { claimI2cChip, type SimModel } from '../board.js';

const COLUMNS = 128;
const PAGES = 8;

/** Arguments that follow each multi-byte command (section 9). */
function argumentCount(op: number): number {
  if ([0x20, 0x81, 0x8d, 0xa8, 0xd3, 0xd5, 0xd9, 0xda, 0xdb].includes(op)) return 1;
  if (op === 0x21 || op === 0x22 || op === 0xa3) return 2;
  if (op === 0x29 || op === 0x2a) return 5; // 10.2.2 vertical and horizontal scroll setup
  if (op === 0x26 || op === 0x27) return 6; // 10.2.1 horizontal scroll setup
  return 0;
}

/** The SSD1306 as an I2C chip: command interpreter and GDDRAM; see the file comment. */
export class Ssd1306Chip implements I2cChip, SimDevice {
  /** GDDRAM: page p, column c at `p * 128 + c`; D0 of a byte is the top row of the page. */
  readonly ram = new Uint8Array(PAGES * COLUMNS);
  /** Every command received, opcode first, with its arguments. */
  readonly commands: number[][] = [];
  /** Data bytes written into each page since the last `clearLog()`. */
  readonly pageWrites: number[] = new Array(PAGES).fill(0);
  failing = false;
  displayOn = false; // 10.1.12: off after reset
  chargePump = false; // app note: off after reset
  contrast = 0x7f; // 10.1.7 reset value
  addressingMode = 2; // 10.1.3: page addressing after reset
  multiplex = 63;
  comPins = 0x12;
  segmentRemap = false;
  comScanReversed = false;
  window = { columns: [0, COLUMNS - 1], pages: [0, PAGES - 1] };
  #column = 0;
  #page = 0;
  #command: number[] = [];

  /** True when the panel actually glows: display on, and the charge pump that powers it running. */
  get lit(): boolean {
    return this.displayOn && this.chargePump;
  }

  write(data: Buffer): void {
    let i = 0;
    while (i < data.length) {
      const control = data[i++]!;
      const isData = (control & 0x40) !== 0;
      // Co=1: one byte, then another control byte; Co=0: the rest of the transaction is one stream.
      const end = control & 0x80 ? Math.min(i + 1, data.length) : data.length;
      for (; i < end; i++) (isData ? this.#data(data[i]!) : this.#commandByte(data[i]!));
    }
  }

  /** 8.1.5.2: a read returns the status byte; D6 is set while the display is off. */
  read(length: number): Buffer {
    return Buffer.alloc(length, this.displayOn ? 0x00 : 0x40);
  }

  /** The bytes of page `p`. */
  page(p: number): Uint8Array {
    return this.ram.subarray(p * COLUMNS, (p + 1) * COLUMNS);
  }

  clearLog(): void {
    this.commands.length = 0;
    this.pageWrites.fill(0);
  }

  set(quantities: Record<string, unknown>): void {
    const q = checkQuantities('ssd1306', quantities, { fail: { type: 'boolean' } });
    if (q.fail !== undefined) this.failing = q.fail as boolean;
  }

  state(): Record<string, unknown> {
    return { display_on: this.lit, contrast: this.contrast, fail: this.failing };
  }

  #commandByte(byte: number): void {
    this.#command.push(byte);
    if (this.#command.length <= argumentCount(this.#command[0]!)) return;
    const command = this.#command;
    this.#command = [];
    this.commands.push(command);
    this.#execute(command[0]!, command.slice(1));
  }

  #execute(op: number, args: number[]): void {
    const [a = 0, b = 0] = args;
    if (op <= 0x0f) this.#column = (this.#column & 0xf0) | op; // 10.1.1, page mode
    else if (op <= 0x1f) this.#column = (this.#column & 0x0f) | ((op & 0x07) << 4); // 10.1.2
    else if (op === 0x20 && (a & 0x03) !== 0x03) this.addressingMode = a & 0x03;
    else if (op === 0x21) {
      this.window.columns = [a & 0x7f, b & 0x7f];
      this.#column = a & 0x7f; // 10.1.4: the pointer goes to the start too
    } else if (op === 0x22) {
      this.window.pages = [a & 0x07, b & 0x07];
      this.#page = a & 0x07;
    } else if (op === 0x81) this.contrast = a;
    else if (op === 0x8d) this.chargePump = (a & 0x04) !== 0;
    else if (op === 0xa0 || op === 0xa1) this.segmentRemap = op === 0xa1;
    else if (op === 0xa8) this.multiplex = a & 0x3f;
    else if (op === 0xae || op === 0xaf) this.displayOn = op === 0xaf;
    else if (op >= 0xb0 && op <= 0xb7) this.#page = op & 0x07; // 10.1.13, page mode
    else if (op === 0xc0 || op === 0xc8) this.comScanReversed = op === 0xc8;
    else if (op === 0xda) this.comPins = a;
  }

  #data(byte: number): void {
    this.ram[this.#page * COLUMNS + this.#column] = byte;
    this.pageWrites[this.#page]!++;
    const [c0, c1] = this.window.columns as [number, number];
    const [p0, p1] = this.window.pages as [number, number];
    if (this.addressingMode === 2) {
      // 10.1.3: page mode only moves along the page, wrapping at the last column.
      this.#column = this.#column >= COLUMNS - 1 ? 0 : this.#column + 1;
    } else if (this.addressingMode === 0) {
      if (this.#column < c1) this.#column++;
      else {
        this.#column = c0;
        this.#page = this.#page < p1 ? this.#page + 1 : p0;
      }
    } else if (this.#page < p1) this.#page++;
    else {
      this.#page = p0;
      this.#column = this.#column < c1 ? this.#column + 1 : c0;
    }
  }
}

/** Puts an SSD1306 at the scheme's bus and address (`i2c:B:0xAA`), shared with any scheme naming the same place. */
export const attachSsd1306: SimModel = (board, _id, options) =>
  claimI2cChip(board, options, { driver: 'ssd1306', type: Ssd1306Chip, create: () => new Ssd1306Chip() });
