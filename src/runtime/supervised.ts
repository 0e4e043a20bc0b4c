/**
 * The lifecycle both kinds of scheme share: start the driver, report availability, and when the
 * driver fails, mark the scheme offline, stop it and retry with backoff. Nothing here ever throws
 * out to the agent: one failing scheme never stops the rest.
 */
import type { Logger } from 'pino';
import type { Delivery, EventBus } from '../core/bus.js';
import type { Reading } from '../core/driver.js';
import { Backoff } from './backoff.js';

export interface SchemeStatus {
  id: string;
  driver: string;
  direction: 'input' | 'output';
  enabled: boolean;
  online: boolean;
  state?: Reading;
  ts?: string;
  error?: string;
  failures: number;
}

export interface SupervisedContext {
  id: string;
  driver: string;
  bus: EventBus;
  log: Logger;
  retry?: { min: number; max: number };
  /** How the scheme's states are published; travels with every state. */
  delivery?: Delivery;
}

export abstract class Supervised {
  protected online = false;
  protected stopped = true;
  protected lastState?: Reading;
  protected lastTs?: Date;
  protected lastError?: string;
  protected failures = 0;
  /** The availability last published in this run: nothing yet, online or offline. */
  #published?: boolean;
  #retryTimer?: NodeJS.Timeout;
  readonly #backoff: Backoff;

  constructor(protected readonly sctx: SupervisedContext) {
    this.#backoff = new Backoff(sctx.retry?.min ?? 1_000, sctx.retry?.max ?? 60_000);
  }

  get id(): string {
    return this.sctx.id;
  }

  /** How this scheme's states are published. */
  get delivery(): Delivery | undefined {
    return this.sctx.delivery;
  }

  /** Open the driver; throw when it cannot be opened. */
  protected abstract open(): Promise<void>;
  /** Close the driver; must not throw. */
  protected abstract close(): Promise<void>;

  async start(): Promise<void> {
    this.stopped = false;
    await this.#attempt();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.#retryTimer);
    await this.close();
    this.online = false;
    this.#published = undefined;
  }

  /**
   * The device has proved itself (a good reading, or a successful open where opening touches the
   * device): availability goes online once, and the backoff starts again from its minimum.
   */
  protected proven(): void {
    this.#backoff.reset();
    this.lastError = undefined;
    this.#publish(true);
  }

  /** Whether a successful open alone proves the device (event-driven inputs and outputs); polled inputs wait for a reading. */
  protected provenByOpen(): boolean {
    return true;
  }

  #publish(online: boolean, reason?: string): void {
    if (this.#published === online) return;
    this.#published = online;
    this.sctx.bus.emit('availability', { id: this.id, online, ...(reason !== undefined ? { reason } : {}) });
  }

  /** Report a failure of the running driver: offline, close, retry later. */
  protected async fail(err: unknown, during: string): Promise<void> {
    const message = err instanceof Error ? err.message : String(err);
    this.failures++;
    this.lastError = message;
    if (this.stopped) return;
    this.online = false;
    // Offline once, however often the device keeps failing: availability never flaps.
    this.#publish(false, message);
    await this.close();
    const delay = this.#backoff.next();
    this.sctx.log.warn(`${this.id}: ${during} failed: ${message}; retrying in ${delay} ms`);
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => void this.#attempt(), delay);
  }

  async #attempt(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.open();
    } catch (err) {
      await this.fail(err, 'start');
      return;
    }
    if (this.stopped) return void (await this.close());
    this.online = true;
    if (this.provenByOpen()) this.proven();
    this.afterOpen();
  }

  /** Called once the driver is open and the scheme online (e.g. to start polling). */
  protected afterOpen(): void {}

  protected publishState(state: Reading, ts: Date, direction: 'input' | 'output'): void {
    this.lastState = state;
    this.lastTs = ts;
    this.sctx.bus.emit('state', { id: this.id, direction, state, ts, delivery: this.sctx.delivery });
  }

  status(enabled: boolean, direction: 'input' | 'output'): SchemeStatus {
    return {
      id: this.id,
      driver: this.sctx.driver,
      direction,
      enabled,
      online: this.online,
      state: this.lastState,
      ts: this.lastTs?.toISOString(),
      error: this.lastError,
      failures: this.failures,
    };
  }
}
