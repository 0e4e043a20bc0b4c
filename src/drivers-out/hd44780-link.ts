/**
 * Talking to an HD44780 in 4-bit mode through a PCF8574 I2C backpack. The expander has no
 * registers: each byte written sets its eight pins at once, so RS, E, the backlight and D4–D7
 * are toggled by writing bytes. Section and figure numbers are those of the Hitachi HD44780U
 * datasheet.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { I2cBus } from '../hardware/types.js';
import type { BackpackPins } from '../hardware/datasheets/lcd-backpack.js';


const pinNumber = (n: number, what: string) => z.number().int().min(0).max(7).default(n).describe(`PCF8574 pin driving ${what}`);

/** The `pins` option; the default is the wiring of the common blue backpacks. */
export const backpackPins = z
  .strictObject({
    rs: pinNumber(0, 'RS'),
    rw: pinNumber(1, 'R/W (held low: hanode never reads)'),
    e: pinNumber(2, 'E'),
    backlight: pinNumber(3, 'the backlight transistor'),
    d4: pinNumber(4, 'D4'),
    d5: pinNumber(5, 'D5'),
    d6: pinNumber(6, 'D6'),
    d7: pinNumber(7, 'D7'),
  })
  .refine((p) => new Set(Object.values(p)).size === 8, 'each of the eight pins must be a different P0–P7')
  .prefault({})
  .describe('PCF8574 pin map (P0=RS, P1=RW, P2=E, P3=backlight, P4–P7=D4–D7 unless changed)')
  .meta({ examples: [{ rs: 0, rw: 1, e: 2, backlight: 3, d4: 4, d5: 5, d6: 6, d7: 7 }] });

/** Instructions (table 6). */
export const LCD = {
  clear: 0x01,
  entryIncrement: 0x06, // I/D=1, no display shift
  displayControl: 0x08, // | D (0x04), C (0x02), B (0x01)
  functionSet4Bit2Line: 0x28, // DL=0, N=1 (two lines; 4-row modules are two lines folded), F=0 (5×8 dots)
  setDdramAddress: 0x80,
} as const;

/** One byte to the LCD: an instruction (rs false) or character data. */
export interface LcdByte {
  rs: boolean;
  value: number;
}

/** One LCD behind one backpack: nibble clocking, instructions and initialisation, over the I2C bus it is given. */
export class Hd44780Link {
  // At power-up every PCF8574 pin is high (PCF8574 datasheet, "Power-on reset"); that includes E and R/W.
  #port = 0xff;
  /** Whether the backlight pin is driven high in every byte sent from now on. */
  backlight = true;

  constructor(
    private readonly bus: I2cBus,
    private readonly address: number,
    private readonly pins: BackpackPins,
  ) {}

  /** The port byte for RS, E and a nibble, with the backlight as it is and R/W low (write). */
  #portByte(rs: boolean, e: boolean, nibble: number): number {
    const p = this.pins;
    let byte = (rs ? 1 << p.rs : 0) | (e ? 1 << p.e : 0) | (this.backlight ? 1 << p.backlight : 0);
    [p.d4, p.d5, p.d6, p.d7].forEach((pin, bit) => (byte |= nibble & (1 << bit) ? 1 << pin : 0));
    return byte;
  }

  /**
   * The bytes that clock one nibble in: E high, then E low; the LCD latches on the falling edge
   * (figure 25). RS and R/W must be steady 40 ns before E rises (tAS, table "bus timing"), so when
   * they change a byte with E low goes first. Each I2C byte takes ≥ 22 µs even at 400 kHz, so
   * two nibbles never come faster than the 37 µs an instruction needs (table 6).
   */
  #nibble(rs: boolean, nibble: number): number[] {
    const out: number[] = [];
    const mask = (1 << this.pins.rs) | (1 << this.pins.rw);
    const idle = this.#portByte(rs, false, nibble);
    if ((this.#port & mask) !== (idle & mask)) out.push(idle);
    out.push(this.#portByte(rs, true, nibble), idle);
    this.#port = idle;
    return out;
  }

  /** Sends bytes (high nibble first, 4-bit mode) in one I2C transaction. */
  async send(bytes: readonly LcdByte[]): Promise<void> {
    const out = bytes.flatMap((b) => [...this.#nibble(b.rs, b.value >> 4), ...this.#nibble(b.rs, b.value & 0x0f)]);
    if (out.length > 0) await this.bus.write(this.address, Buffer.from(out));
  }

  /** Sends one instruction, and waits out clear/home, which take 1.52 ms (table 6). */
  async instruction(value: number): Promise<void> {
    await this.send([{ rs: false, value }]);
    if (value === 0x01 || (value & 0xfe) === 0x02) await sleep(3); // 1.52 ms, plus the timer's 1 ms of slack
  }

  /** Writes the port with E low, e.g. after a backlight change. */
  async park(): Promise<void> {
    this.#port = this.#portByte(false, false, 0);
    await this.bus.write(this.address, Buffer.from([this.#port]));
  }

  /**
   * Initialisation by instruction, figure 24 (4-bit interface): it works whatever state the LCD
   * is in, even mid-way through a 4-bit transfer after hanode restarted, because three 0x3
   * nibbles always end in 8-bit mode before 0x2 selects 4 bits.
   */
  async initialise(): Promise<void> {
    await this.park();
    await sleep(50); // > 40 ms after VCC reaches 2.7 V
    const single = async (nibble: number, waitMs: number) => {
      await this.bus.write(this.address, Buffer.from(this.#nibble(false, nibble)));
      await sleep(waitMs);
    };
    // Node's timers count from a loop time that can be almost 1 ms old, so each wait has 1 ms spare.
    await single(0x3, 6); // wait > 4.1 ms
    await single(0x3, 2); // wait > 100 µs
    await single(0x3, 2);
    await single(0x2, 2); // 4-bit from here; the busy time of 37 µs is long over
    await this.instruction(LCD.functionSet4Bit2Line);
    await this.instruction(LCD.displayControl); // display off
    await this.instruction(LCD.clear);
    await this.instruction(LCD.entryIncrement);
  }
}
