/**
 * Which simulated device sits behind each driver, and where it goes on the sim board. The map is
 * keyed by the YAML `driver:` name, like the driver registries; a driver without an entry simply
 * has no sim model.
 */
import { createHash } from 'node:crypto';
import type { SimDevice } from './types.js';
import type { SimI2cBus } from './i2c.js';
import type { SimSpiDevice } from './spi.js';
import type { SimOneWire } from './onewire.js';
import type { SimSystem } from './system.js';
import { type SimGpio, type SimPin, GpioInputDevice, GpioOutputDevice } from './gpio.js';
import { Bme280Chip } from './chips/bme280.js';
import { Mcp3008Channel, Mcp3008Chip } from './chips/mcp3008.js';
import { Ds18b20Chip } from './chips/ds18b20.js';
import { attachPcf8574In } from './chips/pcf8574-in.js';
import { attachIna219 } from './chips/ina219.js';
import { attachMcp9808 } from './chips/mcp9808.js';
import { attachAds1115 } from './chips/ads1115.js';
import { attachBh1750 } from './chips/bh1750.js';
import { attachSht3x } from './chips/sht3x.js';
import { attachBmp280 } from './chips/bmp280.js';
import { claimPcf8574, Pcf8574OutputPin } from './chips/pcf8574.js';
import { type SimPwmChannel, SimPwmOutput } from './pwm.js';
import { PulseInputDevice } from './pulse-input.js';
import { attachSsd1306 } from './chips/ssd1306.js';
import { attachHd44780 } from './chips/hd44780.js';

/** The parts of the sim a model can be put on. */
export interface SimBoard {
  i2cBus(bus: number): SimI2cBus;
  spiDevice(bus: number, device: number): SimSpiDevice;
  readonly gpio: SimGpio;
  /** The PWM channel `chip.channel`; the driver opening it through `Hardware.pwm` gets the same one. */
  pwm(chip: number, channel: number): SimPwmChannel;
  readonly oneWire: SimOneWire;
  readonly system: SimSystem;
  /**
   * The model at `place` (e.g. `i2c:1:0x76`), made by `create` if nothing is there yet. Schemes
   * naming the same place share it; `drop` runs when the last of them lets go.
   */
  claim<T>(place: string, create: () => T, drop?: () => void): T;
}

/** Puts the model behind one scheme on the board and returns the scheme's view of it. */
export type AttachFn = (board: SimBoard, schemeId: string, options: Record<string, unknown>) => SimDevice;

function option<T>(options: Record<string, unknown>, key: string, fallback: T): T {
  const value = options[key];
  return value === undefined ? fallback : (value as T);
}

function expectModel<T>(model: unknown, type: abstract new (...args: any[]) => T, place: string, driver: string): T {
  if (!(model instanceof type)) throw new Error(`sim: ${place} already holds a different device; a ${driver} cannot share it`);
  return model;
}

const bme280: AttachFn = (board, _id, options) => {
  const bus = option(options, 'bus', 1);
  const address = option(options, 'address', 0x76);
  const place = `i2c:${bus}:0x${address.toString(16)}`;
  const model = board.claim(
    place,
    () => {
      const chip = new Bme280Chip();
      board.i2cBus(bus).place(address, chip);
      return chip;
    },
    () => board.i2cBus(bus).remove(address),
  );
  return expectModel(model, Bme280Chip, place, 'bme280');
};

const mcp3008: AttachFn = (board, _id, options) => {
  const bus = option(options, 'bus', 0);
  const device = option(options, 'device', 0);
  const place = `spi:${bus}.${device}`;
  const spi = board.spiDevice(bus, device);
  const model = board.claim(
    place,
    () => (spi.chip = new Mcp3008Chip()),
    () => (spi.chip = undefined),
  );
  const chip = expectModel(model, Mcp3008Chip, place, 'mcp3008');
  // One VREF pin per chip: the scheme attached last decides, as it would be one wire on a real board.
  chip.vref = option(options, 'vref', 3.3);
  return new Mcp3008Channel(chip, option(options, 'channel', 0), option(options, 'differential', false));
};

/** A stable, plausible sensor id for a scheme that names none: family 28 and 48 bits from its id. */
export function simSensorId(schemeId: string): string {
  return `28-${createHash('sha256').update(schemeId).digest('hex').slice(0, 12)}`;
}

const ds18b20: AttachFn = (board, id, options) => {
  const sensorId = option<string | undefined>(options, 'sensor_id', undefined) ?? simSensorId(id);
  const place = `w1:${sensorId}`;
  const model = board.claim(
    place,
    () => {
      const chip = new Ds18b20Chip(sensorId);
      board.oneWire.place(chip);
      return chip;
    },
    () => board.oneWire.remove(sensorId),
  );
  return expectModel(model, Ds18b20Chip, place, 'ds18b20');
};

function gpioLine(board: SimBoard, options: Record<string, unknown>): SimPin {
  const line = board.gpio.pin(option<number | string>(options, 'pin', 0));
  return board.claim(`gpio:${line.pin}`, () => {
    // A pull-up holds an idle input high until the switch or sensor pulls it down.
    if (options['pull'] === 'up') line.external = 1;
    return line;
  });
}

function pwmOutput(board: SimBoard, options: Record<string, unknown>, driver: string): SimPwmOutput {
  const chip = option(options, 'chip', 0);
  const channel = option(options, 'channel', 0);
  return new SimPwmOutput(board.claim(`pwm:${chip}.${channel}`, () => board.pwm(chip, channel)), driver);
}

/** Driver name → how its simulated device is attached. */
export const SIM_MODELS: Record<string, AttachFn> = {
  bme280,
  mcp3008,
  ds18b20,
  'gpio-in': (board, _id, options) => new GpioInputDevice(gpioLine(board, options)),
  'gpio-out': (board, _id, options) => new GpioOutputDevice(gpioLine(board, options)),
  system: (board) => board.claim('system', () => board.system),
  'pcf8574-in': attachPcf8574In,
  ina219: attachIna219,
  mcp9808: attachMcp9808,
  ads1115: attachAds1115,
  bh1750: attachBh1750,
  sht3x: attachSht3x,
  bmp280: attachBmp280,
  button: (board, _id, options) => new GpioInputDevice(gpioLine(board, options)),
  // Each half of a simulated pulse far outlasts the debounce, as a real meter's pulses do, so a
  // busy event loop delaying the debounce timer never merges two pulses.
  'pulse-counter': (board, _id, options) => new PulseInputDevice(gpioLine(board, options), Math.max(50, 5 * option(options, 'debounce', 10))),
  pwm: (board, _id, options) => pwmOutput(board, options, 'pwm'),
  servo: (board, _id, options) => pwmOutput(board, options, 'servo'),
  'pcf8574-out': (board, _id, options) =>
    new Pcf8574OutputPin(claimPcf8574(board, option(options, 'bus', 1), option(options, 'address', 0x20), 'pcf8574-out'), option(options, 'pin', 0)),
  ssd1306: attachSsd1306,
  hd44780: attachHd44780,
};
