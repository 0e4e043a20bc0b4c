/**
 * The sim's GPIO: one line per BCM pin on a simulated `pinctrl-bcm2711` (58 lines). An input
 * line's level is what the outside world puts on it (`$sim` `level`); an output line's level is
 * what was last written. Edges reach `watch` listeners asynchronously, as interrupts do.
 */
import type { Edge, Gpio, GpioChipInfo, GpioLine, GpioLineOptions, Level } from '../types.js';
import type { SimDevice } from './types.js';
import { resolvePin } from '../linux/gpio-map.js';
import { checkQuantities } from './quantities.js';
import { ioError } from './errors.js';

/** The simulated header chip: a Pi 4 on kernel 6.6+, where the sysfs base is 512. */
export const SIM_GPIOCHIPS: GpioChipInfo[] = [
  { name: 'gpiochip512', label: 'pinctrl-bcm2711', base: 512, ngpio: 58 },
  { name: 'gpiochip570', label: 'raspberrypi-exp-gpio', base: 570, ngpio: 8 },
];

interface Watcher {
  edge: Edge;
  listener: (level: Level) => void;
}

/** One physical line. */
export class SimPin {
  direction: 'in' | 'out' = 'in';
  /** What the outside world drives onto the pin; seen while it is an input. */
  external: Level = 0;
  /** What the Pi drives while it is an output. */
  driven: Level = 0;
  failing = false;
  /** Every level written to the line, oldest first (the last 100). */
  readonly writes: Level[] = [];
  readonly watchers = new Set<Watcher>();

  constructor(readonly pin: number) {}

  get level(): Level {
    return this.direction === 'out' ? this.driven : this.external;
  }

  /** Applies `change` and delivers the edge, if the level moved, to matching watchers. */
  update(change: () => void): void {
    const before = this.level;
    change();
    const after = this.level;
    if (after === before) return;
    for (const w of this.watchers) {
      const fires = w.edge === 'both' || (w.edge === 'rising' && after === 1) || (w.edge === 'falling' && after === 0);
      if (fires) queueMicrotask(() => w.listener(after));
    }
  }
}

class SimLine implements GpioLine {
  readonly #p: SimPin;
  readonly #options: GpioLineOptions;
  readonly #own = new Set<Watcher>();
  #closed = false;

  constructor(p: SimPin, options: GpioLineOptions) {
    this.#p = p;
    this.#options = options;
  }

  get pin(): number {
    return this.#p.pin;
  }

  async read(): Promise<Level> {
    this.#check('read');
    return this.#p.level;
  }

  async write(level: Level): Promise<void> {
    this.#check('write');
    if (this.#options.direction !== 'out') {
      throw Object.assign(new Error(`EPERM, GPIO${this.pin} is an input and cannot be written`), { code: 'EPERM', errno: 1 });
    }
    const p = this.#p;
    p.writes.push(level);
    if (p.writes.length > 100) p.writes.shift();
    p.update(() => (p.driven = level));
  }

  watch(listener: (level: Level) => void): () => void {
    const w: Watcher = { edge: this.#options.edge ?? 'none', listener };
    this.#own.add(w);
    this.#p.watchers.add(w);
    return () => {
      this.#own.delete(w);
      this.#p.watchers.delete(w);
    };
  }

  async close(): Promise<void> {
    for (const w of this.#own) this.#p.watchers.delete(w);
    this.#own.clear();
    this.#closed = true;
  }

  #check(op: string): void {
    if (this.#closed) throw new Error(`GPIO${this.pin} is closed`);
    if (this.#p.failing) throw ioError(`${op} GPIO${this.pin}`);
  }
}

export class SimGpio implements Gpio {
  readonly #pins = new Map<number, SimPin>();

  /** The model of one pin, created on first use. */
  pin(pin: number | string): SimPin {
    const { offset } = resolvePin(pin, SIM_GPIOCHIPS);
    let p = this.#pins.get(offset);
    if (!p) this.#pins.set(offset, (p = new SimPin(offset)));
    return p;
  }

  async open(pin: number | string, options: GpioLineOptions): Promise<GpioLine> {
    const p = this.pin(pin);
    p.update(() => {
      p.direction = options.direction;
      // Setting a sysfs line to "out" drives it low unless an initial level is given.
      if (options.direction === 'out') p.driven = options.initial ?? 0;
    });
    return new SimLine(p, options);
  }

  /** Drops every watcher, e.g. when the backend closes. */
  close(): void {
    for (const p of this.#pins.values()) p.watchers.clear();
  }
}

const INPUT_SPEC = { level: { type: 'level' }, fail: { type: 'boolean' } } as const;
const OUTPUT_SPEC = { fail: { type: 'boolean' } } as const;

/** The line behind a `gpio-in` scheme: `level` is the physical level, before the scheme's `invert`. */
export class GpioInputDevice implements SimDevice {
  constructor(readonly line: SimPin) {}

  set(quantities: Record<string, unknown>): void {
    const q = checkQuantities('gpio-in', quantities, INPUT_SPEC);
    if (q.fail !== undefined) this.line.failing = q.fail as boolean;
    if (q.level !== undefined) this.line.update(() => (this.line.external = q.level as Level));
  }

  state(): Record<string, unknown> {
    return { pin: this.line.pin, direction: this.line.direction, level: this.line.level, fail: this.line.failing };
  }
}

/** The line behind a `gpio-out` scheme: its level is driven by the scheme, so only `fail` can be set. */
export class GpioOutputDevice implements SimDevice {
  constructor(readonly line: SimPin) {}

  set(quantities: Record<string, unknown>): void {
    const q = checkQuantities('gpio-out', quantities, OUTPUT_SPEC);
    if (q.fail !== undefined) this.line.failing = q.fail as boolean;
  }

  /** `level` is the physical level on the pin; `writes` the levels written so far. */
  state(): Record<string, unknown> {
    const l = this.line;
    return { pin: l.pin, direction: l.direction, level: l.level, writes: [...l.writes], fail: l.failing };
  }
}
