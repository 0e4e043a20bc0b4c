/**
 * One running input scheme: the driver, its poll timer and its filters. Readings go out on the
 * bus as `state` events; failures take the scheme offline and retry with backoff.
 */
import type { Hardware } from '../hardware/types.js';
import type { InputDriver, InputDriverDef, Reading, CommonOptions, Persist, StateView } from '../core/driver.js';
import { Supervised, type SupervisedContext } from './supervised.js';

/** Turns a raw reading into the one to publish, or null to drop it (delta, throttle …). */
/** The scheme's filters; `force` (a `$request/read`) passes the gates (delta, throttle) but still converts (offset, round…). */
export type ReadingFilter = (reading: Reading, ts: Date, force: boolean) => Reading | null;

export interface InputSchemeContext extends SupervisedContext {
  def: InputDriverDef<any>;
  options: CommonOptions & { interval?: number };
  hardware: Hardware;
  persist: Persist;
  states: StateView;
  filter?: ReadingFilter;
}

/**
 * Milliseconds until the next poll: the next multiple of the interval on the clock, so schemes
 * with the same interval read together and their readings share one outbox commit and one write
 * to the broker (a node polling a thousand sensors a second commits about once a second instead of
 * 50 times), and readings come at round times. A read that overran its interval skips the
 * boundaries it missed. Right after the first reading the next boundary may be close; then the one
 * after it, so the first two readings are at least half an interval apart.
 */
export function nextPollDelay(nowMs: number, every: number, afterFirst: boolean): number {
  const delay = every - (((nowMs % every) + every) % every);
  return afterFirst && delay < every / 2 ? delay + every : delay;
}

export class InputScheme extends Supervised {
  #driver?: InputDriver;
  #timer?: NodeJS.Timeout;
  #interval: number | undefined;
  #early?: { reading: Reading; ts: Date };
  /** The next poll is the first since the scheme opened or its interval changed. */
  #first = false;
  /** The read in flight: a poll and any number of `$request/read`s share it. */
  #reading?: Promise<Reading>;

  constructor(private readonly ctx: InputSchemeContext) {
    super(ctx);
    this.#interval = ctx.options.interval;
  }

  get interval(): number | undefined {
    return this.#interval;
  }

  /** Change the poll interval at run time (`$request/interval`). */
  setInterval(ms: number): void {
    this.#interval = ms;
    if (this.#timer) this.#schedule(0, true);
  }

  /**
   * Take a reading now and publish it (`$request/read`); rejects when the driver cannot read.
   * Requests that arrive while a read is in flight share it: one read at a time per scheme.
   */
  async readNow(): Promise<Reading> {
    const driver = this.#driver;
    if (!driver?.read || !this.online) throw new Error(`${this.id} is not online${this.lastError ? `: ${this.lastError}` : ''}`);
    const shared = this.#reading !== undefined;
    const reading = await this.#read(driver);
    if (!shared && driver === this.#driver) {
      this.proven();
      return this.#accept(reading, new Date(), true) ?? reading;
    }
    return reading;
  }

  protected override provenByOpen(): boolean {
    return !this.ctx.def.polled;
  }

  #read(driver: InputDriver): Promise<Reading> {
    if (this.#reading) return this.#reading;
    const reading: Promise<Reading> = driver.read!().then(
      (r) => {
        if (this.#reading === reading) this.#reading = undefined;
        return r;
      },
      (err) => {
        if (this.#reading === reading) this.#reading = undefined;
        throw err;
      },
    );
    this.#reading = reading;
    return reading;
  }

  protected async open(): Promise<void> {
    const { def, options, hardware, log, persist, states, bus } = this.ctx;
    this.#driver = def.create(options, {
      id: this.id,
      hardware,
      log,
      persist,
      states,
      event: (event, data) => this.online && bus.emit('event', { id: this.id, event, data, ts: new Date() }),
      // A reading emitted while start() is still running goes out as soon as the scheme is online.
      emit: (reading, ts) => {
        if (this.online) this.#accept(reading, ts ?? new Date(), false);
        else if (!this.stopped) this.#early = { reading, ts: ts ?? new Date() };
      },
      fail: (err) => void this.fail(err, 'reading'),
    });
    await this.#driver.start();
  }

  protected override afterOpen(): void {
    const early = this.#early;
    this.#early = undefined;
    if (early) this.#accept(early.reading, early.ts, false);
    if (this.ctx.def.polled) this.#schedule(0, true);
  }

  protected async close(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const driver = this.#driver;
    this.#driver = undefined;
    this.#reading = undefined;
    await driver?.stop().catch((err) => this.ctx.log.debug({ err }, `${this.id}: stop failed`));
  }

  #schedule(delay: number, first = false): void {
    this.#first = first;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(this.#poll, delay);
  }

  // Bound once: a poll a second per scheme allocates no closure for its timer, and no async frame.
  readonly #poll = (): void => {
    const driver = this.#driver;
    if (!driver?.read || this.stopped) return;
    const first = this.#first;
    this.#first = false;
    this.#read(driver).then(
      (reading) => {
        if (driver !== this.#driver || this.stopped) return;
        this.proven();
        this.#accept(reading, new Date(), false);
        this.#schedule(nextPollDelay(Date.now(), this.#interval ?? 30_000, first));
      },
      (err) => {
        if (driver === this.#driver) void this.fail(err, 'read');
      },
    );
  };

  /** Runs the filters and publishes what they let through; returns it (null when a gate dropped it). */
  #accept(reading: Reading, ts: Date, forced: boolean): Reading | null {
    const out = this.ctx.filter ? this.ctx.filter(reading, ts, forced) : reading;
    if (out) this.publishState(out, ts, 'input');
    return out;
  }
}
