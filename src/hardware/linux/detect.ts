/** Whether this machine has hardware for the linux backend to drive (`hardware: auto`). */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { LinuxRoots } from '../types.js';
import { HEADER_CHIP_LABELS, readGpioChips } from './gpio-map.js';
import { LinuxOneWire } from './onewire.js';
import { listI2cBuses, listSpiDevices } from './scan.js';

export interface Detection {
  present: boolean;
  /** What was found, for the log line that says why linux (or sim) was chosen. */
  reasons: string[];
}

/**
 * Present when the tree shows a Raspberry Pi GPIO chip, a spidev node or 1-wire slaves, or I2C
 * adapters on a board with a device tree. I2C alone on a PC does not count: most laptops have
 * adapters for their displays, and a developer there wants sim, not a bme280 that never answers.
 * Never throws for a missing tree: an unreadable part just gives no reason.
 */
export async function detectLinuxHardware(roots: LinuxRoots): Promise<Detection> {
  const reasons: string[] = [];
  const attempt = async <T>(fn: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await fn();
    } catch {
      return fallback;
    }
  };
  const labels: readonly string[] = HEADER_CHIP_LABELS;
  const [chips, buses, spi, slaves] = await Promise.all([
    attempt(() => readGpioChips(roots.sys), []),
    attempt(() => listI2cBuses(roots.dev), []),
    attempt(() => listSpiDevices(roots.dev), []),
    attempt(() => new LinuxOneWire(roots.sys).list(), []),
  ]);
  for (const chip of chips.filter((c) => labels.includes(c.label))) {
    reasons.push(`${chip.name} is ${chip.label} (Raspberry Pi GPIO header, base ${chip.base})`);
  }
  const deviceTree = await attempt(() => access(join(roots.proc, 'device-tree')).then(() => true), false) ||
    (await attempt(() => access(join(roots.sys, 'firmware/devicetree/base')).then(() => true), false));
  if (deviceTree) for (const bus of buses) reasons.push(`I2C adapter ${join(roots.dev, `i2c-${bus}`)}`);
  for (const dev of spi) reasons.push(`SPI device ${dev.path}`);
  if (slaves.length > 0) reasons.push(`1-wire devices ${slaves.join(', ')}`);
  return { present: reasons.length > 0, reasons };
}
