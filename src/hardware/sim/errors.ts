/**
 * Errors shaped like the ones the linux backend's libraries throw (i2c-bus, spi-device, fs), so
 * code that looks at `code` behaves the same under the sim.
 */

function errnoError(code: string, errno: number, message: string, syscall?: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}, ${message}`), { code, errno, ...(syscall ? { syscall } : {}) });
}

/** What i2c-bus throws when no device acknowledges the address. */
export function remoteIoError(bus: number, address: number): NodeJS.ErrnoException {
  return errnoError('EREMOTEIO', 121, `Remote I/O error (i2c-${bus} address 0x${address.toString(16).padStart(2, '0')})`);
}

/** A failed transfer or line access. */
export function ioError(what: string): NodeJS.ErrnoException {
  return errnoError('EIO', 5, `i/o error (${what})`);
}

/** A missing device node or sysfs file. */
export function notFoundError(path: string): NodeJS.ErrnoException {
  return errnoError('ENOENT', 2, `no such file or directory, open '${path}'`, 'open');
}

/** What a read of a dht11 IIO attribute throws when the sensor's answer was lost or garbled. */
export function kernelReadError(code: 'EIO' | 'ETIMEDOUT', path: string): NodeJS.ErrnoException {
  return errnoError(code, code === 'EIO' ? 5 : 110, `${code === 'EIO' ? 'i/o error' : 'connection timed out'}, read '${path}'`, 'read');
}
