/**
 * What a sim model is: a function that puts the simulated device behind one scheme on the sim
 * board and returns the scheme's view of it. Each driver definition points at its own model
 * (`sim:`), so the sim keeps no list of drivers. Models read the scheme's parsed options, where
 * the driver's schema has already filled in every default.
 */
import type { SimDevice } from './types.js';
import type { I2cChip, SimI2cBus } from './i2c.js';
import type { SimSpiDevice } from './spi.js';
import type { SimGpio } from './gpio.js';
import type { SimPwmChannel } from './pwm.js';
import type { SimOneWire } from './onewire.js';
import type { SimIio } from './iio.js';
import type { SimSerialPorts } from './serial.js';
import type { SimSystem } from './system.js';

/** The parts of the sim a model can be put on. */
export interface SimBoard {
  i2cBus(bus: number): SimI2cBus;
  spiDevice(bus: number, device: number): SimSpiDevice;
  readonly gpio: SimGpio;
  /** The PWM channel `chip.channel`; the driver opening it through `Hardware.pwm` gets the same one. */
  pwm(chip: number, channel: number): SimPwmChannel;
  readonly oneWire: SimOneWire;
  readonly iio: SimIio;
  readonly serial: SimSerialPorts;
  readonly system: SimSystem;
  /**
   * The model at `place` (e.g. `i2c:1:0x76`), made by `create` if nothing is there yet. Schemes
   * naming the same place share it; `drop` runs when the last of them lets go.
   */
  claim<T>(place: string, create: () => T, drop?: () => void): T;
}

/** Puts the model behind one scheme on the board, from the scheme's parsed options, and returns the scheme's view of it. */
export type SimModel = (board: SimBoard, schemeId: string, options: Record<string, unknown>) => SimDevice;

function missing(key: string, expected: string, value: unknown): Error {
  return new Error(`sim: option '${key}' must be ${expected}, got ${JSON.stringify(value)}; a sim model takes the scheme's parsed options, defaults filled in`);
}

/** The number option `key`; throws when the options were not parsed (a default would be missing). */
export function numberOption(options: Record<string, unknown>, key: string): number {
  const value = options[key];
  if (typeof value !== 'number') throw missing(key, 'a number', value);
  return value;
}

/** The string option `key`. */
export function stringOption(options: Record<string, unknown>, key: string): string {
  const value = options[key];
  if (typeof value !== 'string') throw missing(key, 'a string', value);
  return value;
}

/** A GPIO pin option: a BCM number or a line name. */
export function pinOption(options: Record<string, unknown>, key = 'pin'): number | string {
  const value = options[key];
  if (typeof value !== 'number' && typeof value !== 'string') throw missing(key, 'a pin number or line name', value);
  return value;
}

/** Throws when `model` (found at `place`) is not a `type`: two kinds of device cannot share one place. */
export function expectModel<T>(model: unknown, type: abstract new (...args: any[]) => T, place: string, driver: string): T {
  if (!(model instanceof type)) throw new Error(`sim: ${place} already holds a different device; a ${driver} cannot share it`);
  return model;
}

/** Where a scheme's I2C chip sits: its `bus` and `address`, and the place name `i2c:B:0xAA`. */
export function i2cPlace(options: Record<string, unknown>): { bus: number; address: number; place: string } {
  const bus = numberOption(options, 'bus');
  const address = numberOption(options, 'address');
  return { bus, address, place: `i2c:${bus}:0x${address.toString(16)}` };
}

/**
 * The `type` chip at the scheme's bus and address, made by `create` and put on the bus if nothing
 * is there yet; it leaves the bus when the last scheme lets go. Throws when the place holds
 * another kind of chip.
 */
export function claimI2cChip<T extends I2cChip>(
  board: SimBoard,
  options: Record<string, unknown>,
  spec: { driver: string; type: abstract new (...args: any[]) => T; create: (bus: number, address: number) => T },
): T {
  const { bus, address, place } = i2cPlace(options);
  const model = board.claim(
    place,
    () => {
      const chip = spec.create(bus, address);
      board.i2cBus(bus).place(address, chip);
      return chip;
    },
    () => board.i2cBus(bus).remove(address),
  );
  return expectModel(model, spec.type, place, spec.driver);
}
