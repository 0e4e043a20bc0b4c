/**
 * The linux backend: real buses through onoff, i2c-bus, spi-device and sysfs. Every path it reads
 * hangs off `roots`, so tests (and `hanode scan` on a copied tree) can point it elsewhere.
 */
import type { Logger } from 'pino';
import type { Hardware, I2cBus, LinuxRoots, ScanOptions, ScanResult, SpiDevice } from '../types.js';
import { LinuxGpio, type SysfsLineFactory } from './gpio.js';
import { openLinuxI2c, type LinuxI2cBus, type RawI2cOpener } from './i2c.js';
import { LinuxOneWire } from './onewire.js';
import { LinuxIio } from './iio.js';
import { LinuxSerialPorts } from './serial.js';
import { scanLinux } from './scan.js';
import { LinuxPwmChannel } from './pwm.js';
import { openLinuxSpi, type LinuxSpiDevice, type RawSpiOpener } from './spi.js';
import { LinuxSystem } from './system.js';

export { detectLinuxHardware, type Detection } from './detect.js';
export { BusLock } from './lock.js';

export const DEFAULT_ROOTS: LinuxRoots = { sys: '/sys', dev: '/dev', proc: '/proc' };

export interface LinuxHardwareOptions {
  /** Default {@link DEFAULT_ROOTS}. */
  roots?: LinuxRoots;
  log: Logger;
  /** Filesystem whose usage is reported as `disk_used_pct`; default `/`. */
  diskPath?: string;
  /** Replace the native libraries, for tests. */
  gpioFactory?: SysfsLineFactory;
  openI2c?: RawI2cOpener;
  openSpi?: RawSpiOpener;
}

/** Builds the linux `Hardware`. Nothing is opened until a driver asks for it. */
export function createLinuxHardware(options: LinuxHardwareOptions): Hardware {
  const roots = options.roots ?? DEFAULT_ROOTS;
  const { log } = options;
  const gpio = new LinuxGpio({ sysRoot: roots.sys, log, factory: options.gpioFactory });
  const oneWire = new LinuxOneWire(roots.sys);
  const iio = new LinuxIio(roots.sys);
  const system = new LinuxSystem({ roots, diskPath: options.diskPath });
  // Promises, not buses, are cached so that two drivers starting together share one open.
  const i2cBuses = new Map<number, Promise<LinuxI2cBus>>();
  const spiDevices = new Map<string, Promise<LinuxSpiDevice>>();
  const pwmChannels = new Map<string, Promise<LinuxPwmChannel>>();

  /** Caches `open()`'s promise under `key`, forgetting it on failure so a later start can retry. */
  function shared<K, V>(cache: Map<K, Promise<V>>, key: K, open: () => Promise<V>): Promise<V> {
    let pending = cache.get(key);
    if (!pending) {
      pending = open();
      cache.set(key, pending);
      const mine = pending;
      mine.catch(() => cache.get(key) === mine && cache.delete(key));
    }
    return pending;
  }

  const hardware: Hardware = {
    kind: 'linux',
    gpio,
    oneWire,
    iio,
    serial: new LinuxSerialPorts(),
    system,
    i2c(bus: number): Promise<I2cBus> {
      return shared(i2cBuses, bus, () => openLinuxI2c(bus, { devRoot: roots.dev, open: options.openI2c }));
    },
    spi(bus: number, device: number): Promise<SpiDevice> {
      return shared(spiDevices, `${bus}.${device}`, () => openLinuxSpi(bus, device, { devRoot: roots.dev, open: options.openSpi }));
    },
    async pwm(chip: number, channel: number) {
      const opened = await shared(pwmChannels, `${chip}.${channel}`, () => LinuxPwmChannel.open(roots.sys, chip, channel));
      return opened;
    },
    scan({ catalog }: ScanOptions): Promise<ScanResult> {
      return scanLinux({ roots, log, i2c: (bus) => hardware.i2c(bus), oneWire, iio, system, catalog });
    },
    async close(): Promise<void> {
      const opened = [...i2cBuses.values(), ...spiDevices.values(), ...pwmChannels.values()];
      i2cBuses.clear();
      spiDevices.clear();
      pwmChannels.clear();
      const results = await Promise.allSettled([
        gpio.close(),
        // A bus that never opened has nothing to close.
        ...opened.map((pending) => pending.then((dev) => dev.close(), () => undefined)),
      ]);
      for (const r of results) {
        if (r.status === 'rejected') log.warn({ err: (r.reason as Error).message }, 'closing linux hardware failed');
      }
    },
  };
  return hardware;
}
