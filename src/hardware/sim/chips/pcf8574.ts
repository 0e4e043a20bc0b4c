/**
 * A PCF8574 8-bit I/O expander at the register level (TI PCF8574 datasheet, "Quasi-Bidirectional
 * I/Os" and "Interrupt Output (INT)"). The chip has no registers: every byte written is latched
 * onto P7..P0, and every byte read is the level of P7..P0. A pin latched high is only weakly
 * pulled up, so it reads what the outside world pulls it to; a pin latched low reads low.
 *
 * **One model serves every driver that talks to a PCF8574** (`pcf8574-in`, `pcf8574-out`, a
 * backpack-driven display …): attach through {@link claimPcf8574} so that schemes naming the same
 * bus and address share this one chip, exactly as they share the real one. Tests can look at
 * {@link Pcf8574Chip.writes} to see every byte the drivers sent.
 */
import type { I2cChip } from '../i2c.js';
import { claimI2cChip, numberOption, type SimBoard, type SimModel } from '../board.js';
import type { SimDevice } from '../types.js';
import { checkQuantities } from '../quantities.js';

export class Pcf8574Chip implements I2cChip {
  /** The output latch; the power-on state is all ones (every pin a weak-pull-up input). */
  latch = 0xff;
  /** What the outside world does to each pin: 1 leaves it to the pull-up, 0 pulls it low. */
  external = 0xff;
  failing = false;
  /** Every byte written, oldest first (the last 1000). */
  readonly writes: number[] = [];
  /** INT is asserted (the open-drain pin pulled low) until the port is next read or written. */
  interrupt = false;
  readonly #interruptListeners = new Set<(asserted: boolean) => void>();
  // What the port looked like at the last read or write: INT fires when an input moves away from it.
  #snapshot = 0xff;

  /** The level on P7..P0 now. */
  get port(): number {
    return this.latch & this.external;
  }

  write(data: Buffer): void {
    // Several bytes in one transaction are latched one after another, each on its own ACK.
    for (const byte of data) {
      this.latch = byte;
      this.writes.push(byte);
    }
    if (this.writes.length > 1000) this.writes.splice(0, this.writes.length - 1000);
    this.#clearInterrupt();
  }

  read(length: number): Buffer {
    const out = Buffer.alloc(length, this.port);
    this.#clearInterrupt();
    return out;
  }

  /** Sets what the outside world does to pin `pin` (0..7): 0 pulls it low, 1 lets it go. */
  drive(pin: number, level: 0 | 1): void {
    this.setExternal(level ? this.external | (1 << pin) : this.external & ~(1 << pin));
  }

  /** Sets the outside world's pull on all eight pins at once. */
  setExternal(byte: number): void {
    this.external = byte & 0xff;
    const changed = this.port !== this.#snapshot;
    if (changed !== this.interrupt) this.#setInterrupt(changed);
  }

  /** Calls `fn` whenever INT is asserted or released; returns the function that stops it. */
  onInterrupt(fn: (asserted: boolean) => void): () => void {
    this.#interruptListeners.add(fn);
    return () => this.#interruptListeners.delete(fn);
  }

  #clearInterrupt(): void {
    this.#snapshot = this.port;
    if (this.interrupt) this.#setInterrupt(false);
  }

  #setInterrupt(asserted: boolean): void {
    this.interrupt = asserted;
    for (const fn of this.#interruptListeners) queueMicrotask(() => fn(asserted));
  }
}

/**
 * The PCF8574 at `bus`/`address` on the sim board, created and placed on first use. Schemes
 * naming the same chip get the same model; it leaves the bus when the last of them lets go.
 */
export function claimPcf8574(board: SimBoard, options: Record<string, unknown>, driver: string): Pcf8574Chip {
  return claimI2cChip(board, options, { driver, type: Pcf8574Chip, create: () => new Pcf8574Chip() });
}

const OUTPUT_SPEC = { fail: { type: 'boolean' } } as const;

/** What a `pcf8574-out` scheme sees of the shared chip: its own pin, driven by the scheme. */
export class Pcf8574OutputPin implements SimDevice {
  constructor(
    readonly chip: Pcf8574Chip,
    readonly pin: number,
  ) {}

  set(quantities: Record<string, unknown>): void {
    const q = checkQuantities('pcf8574-out', quantities, OUTPUT_SPEC);
    if (q.fail !== undefined) this.chip.failing = q.fail as boolean;
  }

  /** `level` is the pin's physical level; `port` the whole chip's, `writes` every byte sent to it. */
  state(): Record<string, unknown> {
    const { chip } = this;
    return { pin: this.pin, level: (chip.port >> this.pin) & 1, port: chip.port, writes: [...chip.writes], fail: chip.failing };
  }
}

/** Puts the scheme's pin on the PCF8574 at its bus and address, shared with pcf8574-in schemes. */
export const attachPcf8574Out: SimModel = (board, _id, options) =>
  new Pcf8574OutputPin(claimPcf8574(board, options, 'pcf8574-out'), numberOption(options, 'pin'));
