/**
 * Putting an I2C chip model on the sim board for a scheme: the chip at the scheme's `bus` and
 * `address` is made on first use and shared by every scheme naming the same place, as on a
 * real board. Used by the attach functions of the I2C sensor models.
 */
import type { SimBoard } from '../attach.js';
import type { I2cChip } from '../i2c.js';

/** Where a scheme's I2C chip sits: its `bus` (default 1) and `address` (default `defaultAddress`). */
export function i2cPlace(options: Record<string, unknown>, defaultAddress: number): { bus: number; address: number; place: string } {
  const bus = typeof options.bus === 'number' ? options.bus : 1;
  const address = typeof options.address === 'number' ? options.address : defaultAddress;
  return { bus, address, place: `i2c:${bus}:0x${address.toString(16)}` };
}

/**
 * The `type` chip at the scheme's place, made by `create` and put on the bus if nothing is there
 * yet; it leaves the bus when the last scheme lets go. Throws when the place holds another kind of chip.
 */
export function claimI2cChip<T extends I2cChip>(
  board: SimBoard,
  options: Record<string, unknown>,
  spec: { defaultAddress: number; driver: string; type: abstract new (...args: any[]) => T; create: (bus: number, address: number) => T },
): T {
  const { bus, address, place } = i2cPlace(options, spec.defaultAddress);
  const model = board.claim(
    place,
    () => {
      const chip = spec.create(bus, address);
      board.i2cBus(bus).place(address, chip);
      return chip;
    },
    () => board.i2cBus(bus).remove(address),
  );
  if (!(model instanceof spec.type)) throw new Error(`sim: ${place} already holds a different device; a ${spec.driver} cannot share it`);
  return model;
}
