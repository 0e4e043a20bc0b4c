/**
 * The typed event bus the services talk over. Every listener runs inside try/catch, so one
 * failing service never breaks another, and all of an owner's listeners can be removed at once.
 */
import type { Logger } from 'pino';
import type { Reading } from './driver.js';

export interface Events {
  /**
   * An input produced a (filtered) reading, or an output reached a new state. `delivery` is how
   * its scheme wants it published (retain, QoS, kept in the outbox); absent means retained, QoS 1, durable.
   */
  state: { id: string; direction: 'input' | 'output'; state: Reading; ts: Date; delivery?: Delivery };
  /** A momentary event of an input (a button press): published, not retained, on `B/N/S/event`. */
  event: { id: string; event: string; data?: Record<string, unknown>; ts: Date };
  /** A scheme's driver started working or started failing. */
  availability: { id: string; online: boolean; reason?: string };
  /** A rejected command, a failed action, an invalid scheme file. Goes to `B/N/$error`. */
  error: { topic: string; error: string };
  /** The set of running schemes changed (start, stop, enable, disable, reload); `stopped` lists removed ones. */
  schemesChanged: { stopped?: string[] };
  /** A device connected to or left the line-protocol gateway; `devices` are the IDs it holds now. */
  gatewayDevices: { devices: string[] };
}

/** How a scheme's states are published: the scheme's `retain`, `qos` and `durable` options. */
export interface Delivery {
  retain: boolean;
  qos: 0 | 1 | 2;
  durable: boolean;
}

type Listener<K extends keyof Events> = (event: Events[K]) => void | Promise<void>;

export class EventBus {
  readonly #listeners = new Map<keyof Events, { owner: object; fn: Listener<any> }[]>();

  constructor(private readonly log: Logger) {}

  on<K extends keyof Events>(event: K, owner: object, fn: Listener<K>): void {
    const list = this.#listeners.get(event) ?? [];
    list.push({ owner, fn });
    this.#listeners.set(event, list);
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    for (const { fn } of this.#listeners.get(event) ?? []) {
      try {
        const result = fn(payload);
        if (result instanceof Promise) result.catch((err) => this.#report(event, err));
      } catch (err) {
        this.#report(event, err);
      }
    }
  }

  /** Removes every listener `owner` registered. */
  off(owner: object): void {
    for (const [event, list] of this.#listeners) {
      this.#listeners.set(event, list.filter((l) => l.owner !== owner));
    }
  }

  #report(event: string, err: unknown): void {
    this.log.error({ err }, `listener for '${event}' failed`);
  }
}
