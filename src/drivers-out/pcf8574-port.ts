/**
 * The output latch of one PCF8574, shared by every scheme that drives a pin of it. The chip has
 * no registers: a write sets all eight pins at once, so each scheme changing "its" pin must write
 * the whole byte, and must build that byte from what the other schemes last wrote. One latch per
 * (bus, address), changed only under `bus.exclusive()`, makes that read-modify-write atomic:
 * switching P3 never clobbers P5, however the commands interleave.
 *
 * A `pcf8574-in` scheme on the same chip should set its pins to 1 through the same port
 * (`Pcf8574Port.of(bus, address).set(pin, 1)`): on this chip a pin latched high is an input.
 */
import type { I2cBus } from '../hardware/types.js';
import type { DriverChip } from '../hardware/catalog.js';

const strapped = (base: number) => Array.from({ length: 8 }, (_, a) => base + a);

/** The two expander variants, strapped by A0–A2 to one of eight addresses each. */
export const PCF8574_CHIPS: readonly DriverChip[] = [
  { chip: 'PCF8574', addresses: strapped(0x20), note: '8-bit I/O expander', generic: true },
  { chip: 'PCF8574A', addresses: strapped(0x38), note: '8-bit I/O expander', generic: true },
];

// Keyed by the bus object, so two hardware backends (two tests, two sims) never share a latch.
const ports = new WeakMap<I2cBus, Map<number, Pcf8574Port>>();

export class Pcf8574Port {
  /**
   * The byte last written. It starts at the power-on value 0xFF (every pin high, an input), so a
   * pin no scheme has claimed yet stays released, and a relay board that is active-low stays off.
   */
  #latch = 0xff;

  private constructor(
    readonly bus: I2cBus,
    readonly address: number,
  ) {}

  /** The one port for `address` on `bus`. */
  static of(bus: I2cBus, address: number): Pcf8574Port {
    let byAddress = ports.get(bus);
    if (!byAddress) ports.set(bus, (byAddress = new Map()));
    let port = byAddress.get(address);
    if (!port) byAddress.set(address, (port = new Pcf8574Port(bus, address)));
    return port;
  }

  get latch(): number {
    return this.#latch;
  }

  /** Sets pin `pin` (0..7) to `level` and leaves the other seven as they were; resolves with the byte written. */
  set(pin: number, level: 0 | 1): Promise<number> {
    return this.bus.exclusive(async (held) => {
      const next = level ? this.#latch | (1 << pin) : this.#latch & ~(1 << pin) & 0xff;
      await held.write(this.address, Buffer.from([next]));
      // Only a byte the chip acknowledged becomes the latch: after a failed write the next one
      // still starts from what is really on the pins.
      this.#latch = next;
      return next;
    });
  }
}
