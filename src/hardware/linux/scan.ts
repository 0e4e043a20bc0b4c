/** What the OS shows of the hardware: device nodes, gpiochips, I2C answers, 1-wire slaves. */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ChipCatalog } from '../catalog.js';
import type { I2cBus, I2cBusScan, Iio, LinuxRoots, OneWire, ScanResult, SystemSource } from '../types.js';
import { readGpioChips } from './gpio-map.js';

async function devEntries(devRoot: string): Promise<string[]> {
  try {
    return await readdir(devRoot);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Adapter numbers of every `i2c-N` under `devRoot`, ascending. */
export async function listI2cBuses(devRoot: string): Promise<number[]> {
  return (await devEntries(devRoot))
    .map((name) => /^i2c-(\d+)$/.exec(name))
    .filter((m) => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** Every `spidevB.D` under `devRoot`, by bus then chip select. */
export async function listSpiDevices(devRoot: string): Promise<ScanResult['spi']> {
  return (await devEntries(devRoot))
    .map((name) => /^spidev(\d+)\.(\d+)$/.exec(name))
    .filter((m) => m !== null)
    .map((m) => ({ bus: Number(m[1]), device: Number(m[2]), path: join(devRoot, m[0]) }))
    .sort((a, b) => a.bus - b.bus || a.device - b.device);
}

/** Formats an I2C address the way i2cdetect users read it: `0x76`. */
export const hexAddress = (address: number): string => `0x${address.toString(16).padStart(2, '0')}`;

export interface ScanSources {
  roots: LinuxRoots;
  log: Logger;
  i2c(bus: number): Promise<I2cBus>;
  oneWire: OneWire;
  iio: Iio;
  system: SystemSource;
  catalog: ChipCatalog;
}

/**
 * Probes one adapter. A bus that cannot be opened (no permission, a disabled driver, a fixture
 * tree) is still listed, with no addresses: the node exists, and the warning says why it is empty.
 */
async function scanBus(bus: number, src: ScanSources): Promise<I2cBusScan> {
  try {
    const addresses = await (await src.i2c(bus)).scan();
    return { bus, addresses: addresses.map((address) => ({ address, hex: hexAddress(address), likely: src.catalog.likely(address) })) };
  } catch (err) {
    src.log.warn({ bus, err: (err as Error).message }, `cannot scan I2C bus ${bus}`);
    return { bus, addresses: [] };
  }
}

export async function scanLinux(src: ScanSources): Promise<ScanResult> {
  const [gpiochips, buses, spi, onewire, iio, system] = await Promise.all([
    readGpioChips(src.roots.sys),
    listI2cBuses(src.roots.dev),
    listSpiDevices(src.roots.dev),
    src.oneWire.list(),
    src.iio.list(),
    src.system.facts(),
  ]);
  // One bus after another: probing is slow and each adapter is locked anyway.
  const i2c: I2cBusScan[] = [];
  for (const bus of buses) i2c.push(await scanBus(bus, src));
  return { hardware: 'linux', gpiochips, i2c, spi, onewire, iio, system };
}
