/**
 * One MCP23017, shared by every scheme that uses pins of it (`mcp23017-in`, `mcp23017-out`). The
 * chip's direction, pull-up, interrupt-enable and output-latch registers each hold all sixteen
 * pins, so a scheme changing its pins must keep the others' bits: one port per (bus, address)
 * keeps a copy of those registers and changes them only under `bus.exclusive()`.
 *
 * On first use the copy is read from the chip, not assumed: after an agent restart the relays
 * other schemes switched are still latched, and must not drop before those schemes start again.
 */
import type { I2cBus } from '../hardware/types.js';
import type { DriverChip } from '../hardware/catalog.js';
import { MCP23017_ADDRESSES, MCP23017_IOCON_MIRROR, MCP23017_REG as R } from '../hardware/datasheets/mcp23017.js';

export const MCP23017_CHIPS: readonly DriverChip[] = [{ chip: 'MCP23017', addresses: MCP23017_ADDRESSES, note: '16-bit I/O expander', generic: true }];

const ports = new WeakMap<I2cBus, Map<number, Mcp23017Port>>();

const pair = (register: number, value: number) => Buffer.from([register, value & 0xff, (value >> 8) & 0xff]);

export class Mcp23017Port {
  #loaded: { iodir: number; gppu: number; gpinten: number; olat: number } | undefined;

  private constructor(
    readonly bus: I2cBus,
    readonly address: number,
  ) {}

  static of(bus: I2cBus, address: number): Mcp23017Port {
    let byAddress = ports.get(bus);
    if (!byAddress) ports.set(bus, (byAddress = new Map()));
    let port = byAddress.get(address);
    if (!port) byAddress.set(address, (port = new Mcp23017Port(bus, address)));
    return port;
  }

  /** The register copy, read from the chip on first use through `held` (the bus as held by the caller). */
  async #regs(held: I2cBus) {
    if (this.#loaded) return this.#loaded;
    const word = async (register: number) => (await held.readRegister(this.address, register, 2)).readUInt16LE(0);
    const regs = { iodir: await word(R.IODIR), gppu: await word(R.GPPU), gpinten: await word(R.GPINTEN), olat: await word(R.OLAT) };
    // MIRROR so one INT line covers both ports; BANK stays 0, SEQOP 0 (sequential access).
    await held.write(this.address, Buffer.from([R.IOCON, MCP23017_IOCON_MIRROR]));
    this.#loaded = regs;
    return regs;
  }

  /** Makes the pins of `mask` inputs, with pull-ups and interrupt-on-change as asked. */
  configureInputs(mask: number, opts: { pullUp: boolean; interrupt: boolean }): Promise<void> {
    return this.bus.exclusive(async (held) => {
      const r = await this.#regs(held);
      const gppu = opts.pullUp ? r.gppu | mask : r.gppu & ~mask;
      const gpinten = opts.interrupt ? r.gpinten | mask : r.gpinten & ~mask;
      await held.write(this.address, pair(R.GPPU, gppu));
      r.gppu = gppu;
      await held.write(this.address, pair(R.INTCON, 0)); // compare with the previous value
      await held.write(this.address, pair(R.IODIR, r.iodir | mask));
      r.iodir |= mask;
      await held.write(this.address, pair(R.GPINTEN, gpinten));
      r.gpinten = gpinten;
    });
  }

  /** Drives `pin` to `level`, making it an output if it was not; the latch is written first so it never glitches. */
  setOutput(pin: number, level: 0 | 1): Promise<void> {
    return this.bus.exclusive(async (held) => {
      const r = await this.#regs(held);
      const olat = level ? r.olat | (1 << pin) : r.olat & ~(1 << pin);
      await held.write(this.address, pair(R.OLAT, olat));
      r.olat = olat;
      if (r.iodir & (1 << pin)) {
        const iodir = r.iodir & ~(1 << pin);
        await held.write(this.address, pair(R.IODIR, iodir));
        r.iodir = iodir;
      }
    });
  }

  /** GPIOA and GPIOB as one 16-bit value (pin n is bit n). */
  async readPort(): Promise<number> {
    return (await this.bus.readRegister(this.address, R.GPIO, 2)).readUInt16LE(0);
  }

  /** INTF, INTCAP and GPIO in one sequential read (which clears the interrupt). */
  async readInterrupt(): Promise<{ flags: number; captured: number; port: number }> {
    const b = await this.bus.readRegister(this.address, R.INTF, 6);
    return { flags: b.readUInt16LE(0), captured: b.readUInt16LE(2), port: b.readUInt16LE(4) };
  }
}
