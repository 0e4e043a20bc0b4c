/**
 * BCM pin → sysfs GPIO number. The sysfs number is `base + offset` on the chip that drives the
 * 40-pin header, and that base moves: 0 on older Pi 1–4 kernels, 512 on Pi 4 with kernel 6.6+,
 * 571 on a Pi 5 (pinctrl-rp1 sits after the SoC's four brcmstb banks). So the chip is found by
 * its label, never by a fixed number.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GpioChipInfo } from '../types.js';

/** Labels of the chips wired to the header, most specific first. */
export const HEADER_CHIP_LABELS = ['pinctrl-rp1', 'pinctrl-bcm2711', 'pinctrl-bcm2835', 'bcm2708_gpio'] as const;

/** Chips that are never the header: the firmware expander (Pi 3B+/4) and the Pi 5 SoC's own banks. */
const NOT_HEADER = [/^raspberrypi-exp-gpio/, /^gpio-brcmstb/, /^brcmvirt-gpio/];

export interface HeaderChip {
  chip: GpioChipInfo;
  /** False when no known label matched and the chip with the lowest base was taken instead. */
  byLabel: boolean;
}

export interface ResolvedPin {
  /** The BCM number: the line offset on the header chip. */
  offset: number;
  /** The number to write to /sys/class/gpio/export. */
  sysfs: number;
  chip: GpioChipInfo;
  byLabel: boolean;
}

/** Reads every `gpiochipN` under `${sysRoot}/class/gpio`, sorted by base; [] when there is no GPIO sysfs. */
export async function readGpioChips(sysRoot: string): Promise<GpioChipInfo[]> {
  const dir = join(sysRoot, 'class', 'gpio');
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /^gpiochip\d+$/.test(n));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const read = async (name: string, attr: string) => (await readFile(join(dir, name, attr), 'utf8')).trim();
  const chips = await Promise.all(
    names.map(async (name) => ({
      name,
      label: await read(name, 'label'),
      base: Number.parseInt(await read(name, 'base'), 10),
      ngpio: Number.parseInt(await read(name, 'ngpio'), 10),
    })),
  );
  return chips.sort((a, b) => a.base - b.base);
}

/**
 * The chip behind the 40-pin header. Without a known label (another board, a renamed driver) it
 * falls back to base 0, else the lowest base among chips not known to be something else.
 */
export function pickHeaderChip(chips: readonly GpioChipInfo[]): HeaderChip {
  for (const label of HEADER_CHIP_LABELS) {
    const chip = chips.find((c) => c.label === label);
    if (chip) return { chip, byLabel: true };
  }
  const others = chips.filter((c) => !NOT_HEADER.some((re) => re.test(c.label)));
  const pool = others.length > 0 ? others : chips;
  if (pool.length === 0) throw new Error('no gpiochip found in class/gpio: is the GPIO sysfs interface enabled in this kernel?');
  const chip = pool.find((c) => c.base === 0) ?? [...pool].sort((a, b) => a.base - b.base)[0]!;
  return { chip, byLabel: false };
}

/** Parses a BCM number or a line name ("GPIO27", "gpio27", "27") into the line offset. */
export function parsePin(pin: number | string): number {
  if (typeof pin === 'number') {
    if (Number.isInteger(pin) && pin >= 0) return pin;
  } else {
    const m = /^\s*(?:gpio)?(\d+)\s*$/i.exec(pin);
    if (m) return Number.parseInt(m[1]!, 10);
  }
  throw new Error(`invalid GPIO pin ${JSON.stringify(pin)}: use a BCM number such as 17 or a line name such as "GPIO17"`);
}

/** Maps `pin` to its sysfs number on the header chip among `chips`. Throws when it is out of the chip's range. */
export function resolvePin(pin: number | string, chips: readonly GpioChipInfo[]): ResolvedPin {
  const offset = parsePin(pin);
  const { chip, byLabel } = pickHeaderChip(chips);
  if (offset >= chip.ngpio) {
    throw new Error(
      `GPIO ${offset} is out of range: ${chip.name} (${chip.label}) has lines 0-${chip.ngpio - 1}`,
    );
  }
  return { offset, sysfs: chip.base + offset, chip, byLabel };
}
