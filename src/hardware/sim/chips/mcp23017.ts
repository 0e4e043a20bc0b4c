/**
 * An MCP23017 16-bit I/O expander at the register level, with IOCON.BANK = 0 (Microchip MCP23017
 * datasheet, 3.5): a register pointer that advances on every byte (SEQOP = 0), IODIR, IPOL,
 * GPPU, OLAT and GPIO, and interrupt-on-change (GPINTEN, INTCON, DEFVAL) with INTF and INTCAP;
 * reading GPIO or INTCAP of a port clears its interrupt (3.6.4). INT is active low; with
 * IOCON.MIRROR it follows both ports. One model serves `mcp23017-in` and `mcp23017-out`.
 */
import type { I2cChip } from '../i2c.js';
import type { SimDevice } from '../types.js';
import type { SimPin } from '../gpio.js';
import { checkQuantities } from '../quantities.js';
import { claimI2cChip, i2cPlace, numberOption, type SimBoard, type SimModel } from '../board.js';
import { MCP23017_IOCON_MIRROR, MCP23017_REG as R } from '../../datasheets/mcp23017.js';

export class Mcp23017Chip implements I2cChip {
  /** 22 registers; power-on: IODIR all ones, the rest zero (table 3-1). */
  readonly regs = Buffer.alloc(0x16);
  /** What the outside world does to each pin: 1 leaves it high (pull-up), 0 pulls it low. */
  external = 0xffff;
  failing = false;
  #pointer = 0;
  #previous = 0xffff;
  readonly #listeners = new Set<(asserted: boolean) => void>();

  constructor() {
    this.regs[R.IODIR] = 0xff;
    this.regs[R.IODIR + 1] = 0xff;
  }

  #word(register: number): number {
    return this.regs.readUInt16LE(register);
  }

  /** The level on each pin: the latch for outputs, the outside world for inputs. */
  get pins(): number {
    const iodir = this.#word(R.IODIR);
    return ((this.#word(R.OLAT) & ~iodir) | (this.external & iodir)) & 0xffff;
  }

  /** GPIO as read: pins, with IPOL inverting inputs. */
  get gpio(): number {
    return this.pins ^ (this.#word(R.IPOL) & this.#word(R.IODIR));
  }

  get interrupt(): boolean {
    const flags = this.#word(R.INTF);
    if (this.regs[R.IOCON]! & MCP23017_IOCON_MIRROR) return flags !== 0;
    return (flags & 0xff) !== 0; // INTA follows port A only
  }

  onInterrupt(fn: (asserted: boolean) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  write(data: Buffer): void {
    if (data.length === 0) return;
    this.#pointer = data[0]!;
    const before = this.interrupt;
    for (const byte of data.subarray(1)) {
      const p = this.#pointer;
      if (p === R.GPIO || p === R.GPIO + 1) this.regs[p + 2] = byte; // a GPIO write goes to OLAT
      else if (p < R.INTF || p >= R.OLAT) this.regs[p] = byte; // INTF and INTCAP are read-only
      if (p === R.IOCON || p === R.IOCON + 1) this.regs[R.IOCON] = this.regs[R.IOCON + 1] = byte; // one register, two addresses
      this.#pointer = (p + 1) % this.regs.length;
    }
    this.#check(before);
  }

  read(length: number): Buffer {
    const out = Buffer.alloc(length);
    const before = this.interrupt;
    for (let i = 0; i < length; i++) {
      const p = this.#pointer;
      out[i] = p === R.GPIO || p === R.GPIO + 1 ? (this.gpio >> (8 * (p - R.GPIO))) & 0xff : this.regs[p]!;
      if (p === R.GPIO || p === R.GPIO + 1 || p === R.INTCAP || p === R.INTCAP + 1) {
        const port = p & 1;
        this.regs[R.INTF + port] = 0;
        this.#previous = (this.#previous & ~(0xff << (8 * port))) | (this.gpio & (0xff << (8 * port)));
      }
      this.#pointer = (p + 1) % this.regs.length;
    }
    this.#check(before);
    return out;
  }

  /** Sets what the outside world does to all sixteen pins; changes on enabled inputs interrupt (3.6.4). */
  setExternal(value: number): void {
    const before = this.interrupt;
    this.external = value & 0xffff;
    const gpio = this.gpio;
    const enabled = this.#word(R.GPINTEN) & this.#word(R.IODIR);
    const intcon = this.#word(R.INTCON);
    const against = (this.#previous & ~intcon) | (this.#word(R.DEFVAL) & intcon);
    const fired = (gpio ^ against) & enabled;
    for (const port of [0, 1]) {
      const bits = (fired >> (8 * port)) & 0xff;
      // A pending interrupt keeps its capture until it is cleared.
      if (bits && this.regs[R.INTF + port] === 0) {
        this.regs[R.INTF + port] = bits;
        this.regs[R.INTCAP + port] = (gpio >> (8 * port)) & 0xff;
      }
    }
    this.#check(before);
  }

  #check(before: boolean): void {
    const now = this.interrupt;
    if (now !== before) for (const fn of this.#listeners) queueMicrotask(() => fn(now));
  }
}

export function claimMcp23017(board: SimBoard, options: Record<string, unknown>, driver: string): Mcp23017Chip {
  return claimI2cChip(board, options, { driver, type: Mcp23017Chip, create: () => new Mcp23017Chip() });
}

const PINS = Array.from({ length: 16 }, (_, i) => `p${i}`);
const IN_SPEC = { ...Object.fromEntries(PINS.map((p) => [p, { type: 'level' as const }])), fail: { type: 'boolean' as const } };

/** What an `mcp23017-in` scheme sees: `$sim` keys p0…p15 (0 pulls the pin low) and fail. */
export class Mcp23017InputPins implements SimDevice {
  constructor(
    readonly chip: Mcp23017Chip,
    readonly int?: SimPin,
  ) {}

  set(quantities: Record<string, unknown>): void {
    const q = checkQuantities('mcp23017-in', quantities, IN_SPEC) as Record<string, number | boolean | undefined>;
    if (q.fail !== undefined) this.chip.failing = q.fail as boolean;
    let external = this.chip.external;
    PINS.forEach((name, i) => {
      if (q[name] !== undefined) external = q[name] ? external | (1 << i) : external & ~(1 << i);
    });
    if (external !== this.chip.external) this.chip.setExternal(external);
  }

  state(): Record<string, unknown> {
    const pins = this.chip.pins;
    return { ...Object.fromEntries(PINS.map((name, i) => [name, (pins >> i) & 1])), ...(this.int ? { int: this.int.level } : {}), fail: this.chip.failing };
  }
}

/** What an `mcp23017-out` scheme sees: its own pin's level. */
export class Mcp23017OutputPin implements SimDevice {
  constructor(
    readonly chip: Mcp23017Chip,
    readonly pin: number,
  ) {}

  set(quantities: Record<string, unknown>): void {
    const q = checkQuantities('mcp23017-out', quantities, { fail: { type: 'boolean' } });
    if (q.fail !== undefined) this.chip.failing = q.fail as boolean;
  }

  state(): Record<string, unknown> {
    return { pin: this.pin, level: (this.chip.pins >> this.pin) & 1, fail: this.chip.failing };
  }
}

/** Puts the scheme on the MCP23017 at its bus and address; with `int_pin`, INT drives that GPIO line. */
export const attachMcp23017In: SimModel = (board, _id, options) => {
  const chip = claimMcp23017(board, options, 'mcp23017-in');
  const intPin = options.int_pin as number | string | undefined;
  if (intPin === undefined) return new Mcp23017InputPins(chip);
  const line = board.gpio.pin(intPin);
  let stop: (() => void) | undefined;
  board.claim(
    `${i2cPlace(options).place}:int:gpio${line.pin}`,
    () => {
      line.update(() => (line.external = chip.interrupt ? 0 : 1));
      stop = chip.onInterrupt((asserted) => line.update(() => (line.external = asserted ? 0 : 1)));
      return line;
    },
    () => stop?.(),
  );
  return new Mcp23017InputPins(chip, line);
};

export const attachMcp23017Out: SimModel = (board, _id, options) => new Mcp23017OutputPin(claimMcp23017(board, options, 'mcp23017-out'), numberOption(options, 'pin'));
