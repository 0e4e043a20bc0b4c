/**
 * The sim backend: a simulated Raspberry Pi 4 whose chips are modelled at the register level, so
 * the real driver code (bus protocol and compensation maths included) runs in tests and demos.
 * The agent attaches the model behind each scheme before starting it; `$sim/S/set` then moves
 * the model's physical quantities.
 */
import type { Logger } from 'pino';
import type { Hardware, ScanOptions, ScanResult } from '../types.js';
import type { SimDevice } from './types.js';
import { SimI2cBus } from './i2c.js';
import { SimSpiDevice } from './spi.js';
import { SIM_GPIOCHIPS, SimGpio } from './gpio.js';
import { SimOneWire } from './onewire.js';
import { SimIio } from './iio.js';
import { SimSerialPorts } from './serial.js';
import { SimSystem } from './system.js';
import type { SimBoard, SimModel } from './board.js';
import { notFoundError } from './errors.js';

export type { SimDevice } from './types.js';
export type { SimBoard, SimModel } from './board.js';
import { SimPwmChannel } from './pwm.js';
export { SimPwmChannel };

export interface SimHardwareOptions {
  log?: Logger;
}

interface Place {
  model: unknown;
  owners: Set<string>;
  drop?: () => void;
}

interface Binding {
  model: SimModel;
  signature: string;
  device: SimDevice;
  places: Set<string>;
}

export class SimHardware implements Hardware {
  readonly kind = 'sim' as const;
  readonly gpio = new SimGpio();
  readonly oneWire = new SimOneWire();
  readonly iio = new SimIio();
  readonly serial = new SimSerialPorts();
  readonly system = new SimSystem();
  // A Pi has /dev/i2c-1 and spidev0.0/0.1 when the interfaces are enabled; other buses appear
  // once a scheme puts a chip on them.
  readonly #i2c = new Map<number, SimI2cBus>([[1, new SimI2cBus(1)]]);
  readonly #spi = new Map<string, SimSpiDevice>([
    ['0.0', new SimSpiDevice(0, 0)],
    ['0.1', new SimSpiDevice(0, 1)],
  ]);
  readonly #places = new Map<string, Place>();
  readonly #bindings = new Map<string, Binding>();
  readonly #log: Logger | undefined;

  constructor(opts: SimHardwareOptions = {}) {
    this.#log = opts.log;
  }

  async i2c(bus: number): Promise<SimI2cBus> {
    const b = this.#i2c.get(bus);
    if (!b) throw notFoundError(`/dev/i2c-${bus}`);
    return b;
  }

  async spi(bus: number, device: number): Promise<SimSpiDevice> {
    const d = this.#spi.get(`${bus}.${device}`);
    if (!d) throw notFoundError(`/dev/spidev${bus}.${device}`);
    return d;
  }

  /** A simulated PWM channel; every chip and channel exists, as if the pwm overlay were loaded. */
  async pwm(chip: number, channel: number): Promise<SimPwmChannel> {
    return this.pwmChannel(chip, channel);
  }

  /** The model of one PWM channel, created on first use (the driver and its sim view share it). */
  pwmChannel(chip: number, channel: number): SimPwmChannel {
    const key = `${chip}.${channel}`;
    let c = this.pwmChannels.get(key);
    if (!c) this.pwmChannels.set(key, (c = new SimPwmChannel(chip, channel)));
    return c;
  }

  /** PWM channels opened so far, by `chip.channel`; sim models of PWM outputs read them. */
  readonly pwmChannels = new Map<string, SimPwmChannel>();

  /**
   * Puts the simulated device behind scheme `schemeId` on its bus: `model` is the `sim` of the
   * scheme's driver definition, `options` the scheme's parsed options (defaults filled in).
   * Calling it again with the same model and options returns the same device; with other options
   * the scheme moves. Schemes on the same address, pin or sensor share one device. Returns
   * undefined when the driver has no sim model. Throws when the place already holds a different
   * kind of device. `options` is a plain object (typed options such as a driver's parsed
   * `z.output & CommonOptions` are accepted as they are).
   */
  attach(schemeId: string, model: SimModel | undefined, options: object): SimDevice | undefined {
    if (!model) return undefined;
    const signature = JSON.stringify(options);
    const previous = this.#bindings.get(schemeId);
    if (previous?.model === model && previous.signature === signature) return previous.device;

    const places = new Set<string>();
    let device: SimDevice;
    try {
      device = model(this.#board(schemeId, places), schemeId, options as Record<string, unknown>);
    } catch (err) {
      this.#release(schemeId, places, previous?.places);
      throw err;
    }
    if (previous) this.#release(schemeId, previous.places, places);
    this.#bindings.set(schemeId, { model, signature, device, places });
    this.#log?.debug({ scheme: schemeId, driver: (options as { driver?: unknown }).driver, places: [...places] }, 'sim device attached');
    return device;
  }

  /** Lets go of the scheme's device; a device no other scheme uses leaves its bus. */
  detach(schemeId: string): void {
    const binding = this.#bindings.get(schemeId);
    if (!binding) return;
    this.#bindings.delete(schemeId);
    this.#release(schemeId, binding.places);
  }

  /** The device attached for `schemeId`. */
  device(schemeId: string): SimDevice | undefined {
    return this.#bindings.get(schemeId)?.device;
  }

  async scan({ catalog }: ScanOptions): Promise<ScanResult> {
    const i2c = [];
    for (const bus of [...this.#i2c.values()].sort((a, b) => a.bus - b.bus)) {
      const addresses = (await bus.scan()).map((address) => ({
        address,
        hex: `0x${address.toString(16).padStart(2, '0')}`,
        likely: catalog.likely(address),
      }));
      i2c.push({ bus: bus.bus, addresses });
    }
    const spi = [...this.#spi.values()]
      .sort((a, b) => a.bus - b.bus || a.device - b.device)
      .map((d) => ({ bus: d.bus, device: d.device, path: d.path }));
    return {
      hardware: 'sim',
      gpiochips: SIM_GPIOCHIPS.map((c) => ({ ...c })),
      i2c,
      spi,
      onewire: await this.oneWire.list(),
      iio: await this.iio.list(),
      system: this.system.snapshot(),
    };
  }

  async close(): Promise<void> {
    this.gpio.close();
  }

  #board(schemeId: string, claimed: Set<string>): SimBoard {
    return {
      i2cBus: (bus) => {
        let b = this.#i2c.get(bus);
        if (!b) this.#i2c.set(bus, (b = new SimI2cBus(bus)));
        return b;
      },
      spiDevice: (bus, device) => {
        const key = `${bus}.${device}`;
        let d = this.#spi.get(key);
        if (!d) this.#spi.set(key, (d = new SimSpiDevice(bus, device)));
        return d;
      },
      gpio: this.gpio,
      pwm: (chip, channel) => this.pwmChannel(chip, channel),
      oneWire: this.oneWire,
      iio: this.iio,
      serial: this.serial,
      system: this.system,
      claim: <T>(place: string, create: () => T, drop?: () => void): T => {
        let p = this.#places.get(place);
        if (!p) {
          p = { model: create(), owners: new Set(), drop };
          this.#places.set(place, p);
        }
        p.owners.add(schemeId);
        claimed.add(place);
        return p.model as T;
      },
    };
  }

  /** Removes `schemeId` from `places` (except those in `keep`); a place left without owners is dropped. */
  #release(schemeId: string, places: Iterable<string>, keep?: Set<string>): void {
    for (const place of places) {
      if (keep?.has(place)) continue;
      const p = this.#places.get(place);
      if (!p) continue;
      p.owners.delete(schemeId);
      if (p.owners.size === 0) {
        this.#places.delete(place);
        p.drop?.();
      }
    }
  }
}

/** Creates the sim backend. */
export function createSimHardware(opts?: SimHardwareOptions): SimHardware {
  return new SimHardware(opts);
}
