/**
 * `Gpio` on the sysfs interface through onoff. All the mapping logic lives in gpio-map.ts; this
 * file only turns a resolved sysfs number into an onoff line, because onoff always works on the
 * real /sys/class/gpio and so cannot run against a fixture tree.
 */
import type { Logger } from 'pino';
import type { Edge, Gpio, GpioLine, GpioLineOptions, Level } from '../types.js';
import { readGpioChips, resolvePin } from './gpio-map.js';
import { cdevChipByLabel, openPulledInput } from './gpio-cdev.js';

export { HEADER_CHIP_LABELS, parsePin, pickHeaderChip, readGpioChips, resolvePin } from './gpio-map.js';
export type { HeaderChip, ResolvedPin } from './gpio-map.js';

/** The part of onoff's `Gpio` this backend uses. */
export interface SysfsLine {
  read(): Promise<number>;
  write(value: Level): Promise<void>;
  watch(callback: (err: Error | null | undefined, value: number) => void): void;
  unwatch(callback?: (err: Error | null | undefined, value: number) => void): void;
  unexport(): void;
}

/** Exports sysfs GPIO `sysfs`; onoff's constructor by default. */
export type SysfsLineFactory = (sysfs: number, direction: 'in' | 'out' | 'high' | 'low', edge: Edge) => Promise<SysfsLine>;

export interface LinuxGpioOptions {
  /** Root of the sysfs tree the chips are read from. */
  sysRoot: string;
  log: Logger;
  /** Replaces onoff, for tests. */
  factory?: SysfsLineFactory;
}

const onoffFactory = (sysRoot: string): SysfsLineFactory => async (sysfs, direction, edge) => {
  // onoff hard-codes /sys/class/gpio: exporting a number computed from another tree would drive
  // the wrong line on this machine.
  if (sysRoot !== '/sys') throw new Error(`onoff can only use /sys/class/gpio, not ${sysRoot}/class/gpio`);
  // Loaded on first use so that scanning and the sim never need the epoll addon.
  const { Gpio: OnoffGpio } = await import('onoff');
  return new OnoffGpio(sysfs, direction, direction === 'in' ? edge : undefined);
};

const toLevel = (value: number): Level => (value ? 1 : 0);

/** The linux `Gpio`: maps the pin by the header chip's label, then opens it through onoff. */
export class LinuxGpio implements Gpio {
  readonly #sysRoot: string;
  readonly #log: Logger;
  readonly #factory: SysfsLineFactory;
  readonly #open = new Set<GpioLine>();

  constructor(options: LinuxGpioOptions) {
    this.#sysRoot = options.sysRoot;
    this.#log = options.log;
    this.#factory = options.factory ?? onoffFactory(options.sysRoot);
  }

  async open(pin: number | string, options: GpioLineOptions): Promise<GpioLine> {
    // Chips are re-read on every open: a kernel update can move them between runs, and opens are rare.
    const resolved = resolvePin(pin, await readGpioChips(this.#sysRoot));
    if (!resolved.byLabel) {
      this.#log.warn({ chip: resolved.chip }, `no Raspberry Pi GPIO chip label found; using ${resolved.chip.name} (${resolved.chip.label}, base ${resolved.chip.base})`);
    }
    if (options.direction === 'in' && (options.pull === 'up' || options.pull === 'down')) {
      // sysfs cannot set a bias: a pulled input goes through the character device instead. Without
      // libgpiod's tools it still works as before through sysfs, with the bias left as it is: a
      // button that worked with a pull set in config.txt must not stop working on an upgrade.
      const chip = await cdevChipByLabel(resolved.chip.label).catch((err: Error) => {
        this.#log.warn(`GPIO ${pin}: pull: ${options.pull} is not set (${err.message}); the line is read through sysfs with its bias as it is (set it in config.txt, e.g. gpio=${resolved.offset}=${options.pull === 'up' ? 'pu' : 'pd'})`);
        return undefined;
      });
      if (chip) {
        const pulled = await openPulledInput(chip, resolved.offset, options.pull, { log: this.#log });
        const line: GpioLine = { ...pulled, close: async () => (this.#open.delete(line), pulled.close()) };
        this.#open.add(line);
        return line;
      }
    }
    const direction =
      options.direction === 'in' ? 'in' : options.initial === 1 ? 'high' : options.initial === 0 ? 'low' : 'out';
    const raw = await this.#factory(resolved.sysfs, direction, options.edge ?? 'none');
    this.#log.debug({ pin: resolved.offset, sysfs: resolved.sysfs, chip: resolved.chip.name, direction }, 'GPIO line opened');
    const line = this.#wrap(resolved.offset, raw);
    this.#open.add(line);
    return line;
  }

  /** Closes every line still open. */
  async close(): Promise<void> {
    await Promise.all([...this.#open].map((line) => line.close()));
  }

  #wrap(pin: number, raw: SysfsLine): GpioLine {
    const log = this.#log;
    const lines = this.#open;
    let closed = false;
    const line: GpioLine = {
      pin,
      read: async () => toLevel(await raw.read()),
      write: (level) => raw.write(level),
      watch(listener) {
        const callback = (err: Error | null | undefined, value: number) => {
          // GpioLine.watch has no error channel; a failed edge read is worth a log line, not a crash.
          if (err) log.warn({ err, pin }, 'GPIO edge read failed');
          else listener(toLevel(value));
        };
        raw.watch(callback);
        return () => raw.unwatch(callback);
      },
      async close() {
        if (closed) return;
        closed = true;
        lines.delete(line);
        raw.unexport();
      },
    };
    return line;
  }
}
