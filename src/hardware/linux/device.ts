/** Checks shared by the I2C and SPI openers. */
import { stat } from 'node:fs/promises';

/**
 * Throws `${path} does not exist: ${hint}` when the device node is missing. i2c-bus and
 * spi-device report a missing node as a bare ENOENT (or, for a scan, as an empty bus), which
 * tells the user nothing about the dtparam they forgot.
 */
export async function assertDeviceNode(path: string, hint: string): Promise<void> {
  try {
    await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${path} does not exist: ${hint}`);
    throw err;
  }
}

/**
 * The native addons always open /dev/…; opening that while the checks ran against another tree
 * (a test fixture) would touch the wrong device, so refuse instead.
 */
export function assertRealDevRoot(devRoot: string, library: string, path: string): void {
  if (devRoot !== '/dev') throw new Error(`${library} can only open devices under /dev, not ${path}`);
}
