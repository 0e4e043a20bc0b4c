/** Picks the hardware backend: `linux` where the devices exist, `sim` otherwise (`auto`). */
import type { Logger } from 'pino';
import type { Hardware, LinuxRoots } from './types.js';
import { createLinuxHardware, detectLinuxHardware } from './linux/index.js';
import { createSimHardware, type SimHardware } from './sim/index.js';

export const defaultRoots: LinuxRoots = { sys: '/sys', dev: '/dev', proc: '/proc' };

export async function createHardware(
  mode: 'auto' | 'linux' | 'sim',
  opts: { log: Logger; roots?: LinuxRoots },
): Promise<Hardware> {
  const roots = opts.roots ?? defaultRoots;
  if (mode === 'sim') {
    opts.log.info('hardware: sim (asked for); simulated chips answer on simulated buses');
    return createSimHardware({ log: opts.log });
  }
  if (mode === 'linux') {
    opts.log.info('hardware: linux (asked for)');
    return createLinuxHardware({ roots, log: opts.log });
  }
  const found = await detectLinuxHardware(roots);
  if (found.present) {
    opts.log.info(`hardware: linux (auto: ${found.reasons.join(', ')})`);
    return createLinuxHardware({ roots, log: opts.log });
  }
  opts.log.info('hardware: sim (auto: no GPIO chip, I2C, SPI or 1-wire devices found); simulated chips answer on simulated buses');
  return createSimHardware({ log: opts.log });
}

export function isSim(hardware: Hardware): hardware is SimHardware {
  return hardware.kind === 'sim';
}
