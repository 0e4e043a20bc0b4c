/**
 * The sim model behind a `pulse-counter`: a GPIO input that, besides `level` and `fail`, takes
 * `{"pulses": n}` and plays n pulses onto the line, as a water meter's reed switch or an energy
 * meter's S0 output would. Each pulse leaves the idle level and comes back, so every pulse has
 * exactly one rising and one falling edge whichever way the line idles.
 */
import type { Level } from '../types.js';
import type { SimDevice } from './types.js';
import type { SimPin } from './gpio.js';
import { checkQuantities } from './quantities.js';

const SPEC = {
  level: { type: 'level' },
  fail: { type: 'boolean' },
  pulses: { type: 'number', min: 0, max: 1_000_000 },
} as const;

export class PulseInputDevice implements SimDevice {
  #pending = 0;
  #sent = 0;
  #timer: NodeJS.Timeout | undefined;

  /** `widthMs` is how long each half of a pulse lasts; it must outlast the driver's debounce. */
  constructor(
    readonly line: SimPin,
    readonly widthMs: number,
  ) {}

  set(quantities: Record<string, unknown>): void {
    const q = checkQuantities('pulse-counter', quantities, SPEC);
    if (q.fail !== undefined) this.line.failing = q.fail as boolean;
    if (q.level !== undefined) this.#drive(q.level as Level);
    if (q.pulses !== undefined) {
      if (!Number.isInteger(q.pulses)) throw new Error(`pulse-counter sim: 'pulses' must be a whole number, got ${q.pulses}`);
      this.#pending += q.pulses as number;
      if (!this.#timer && this.#pending > 0) this.#pulse();
    }
  }

  state(): Record<string, unknown> {
    const l = this.line;
    return { pin: l.pin, level: l.level, pulses_sent: this.#sent, pulses_pending: this.#pending, fail: l.failing };
  }

  #pulse(): void {
    const idle = this.line.external;
    this.#drive(idle ? 0 : 1);
    this.#later(() => {
      this.#drive(idle);
      this.#sent++;
      this.#pending--;
      if (this.#pending > 0) this.#later(() => this.#pulse());
      else this.#timer = undefined;
    });
  }

  #later(fn: () => void): void {
    this.#timer = setTimeout(fn, this.widthMs);
    // A demo's pending pulses must never keep the process alive.
    this.#timer.unref?.();
  }

  #drive(level: Level): void {
    this.line.update(() => (this.line.external = level));
  }
}
