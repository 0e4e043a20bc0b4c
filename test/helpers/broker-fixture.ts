/** A private Mosquitto and a Probe on it for a whole test file or `describe`, started and stopped by its own hooks. */
import { before, after } from 'node:test';
import { Mosquitto, type MosquittoOptions } from './mosquitto.js';
import { Probe } from './probe.js';

export interface BrokerOptions {
  /** Passed to `Mosquitto.start()`: more config lines, or options. */
  mosquitto?: string | MosquittoOptions;
  /** The probe's subscription (`Probe.connect`'s default when left out), or false for no probe. */
  probe?: string | string[] | false;
}

export interface BrokerFixture {
  readonly mosquitto: Mosquitto;
  readonly url: string;
  readonly probe: Probe;
  /**
   * Set-up that needs the broker, as a `before` hook that waits for it. A plain `before` at the
   * top of a file would not wait: node 20 starts top-level `before` hooks as they are registered,
   * side by side.
   */
  before(fn: () => unknown): void;
  /**
   * Clean-up that needs the broker, in the `after` hook, in the order given, before the probe
   * closes and Mosquitto stops. A plain `after` would run too late: node:test runs `after` hooks
   * in the order they were registered.
   */
  after(fn: () => unknown): void;
}

/**
 * Registers `before` and `after` hooks in the current file or `describe`. The fields throw until
 * the broker has started; hooks that use it go through `before` and `after` of the fixture.
 */
export function useBroker(opts: BrokerOptions = {}): BrokerFixture {
  let mosquitto: Mosquitto | undefined;
  let probe: Probe | undefined;
  const cleanUps: (() => unknown)[] = [];
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`useBroker: no ${what} (its before hook has not run, or failed)`);
    return value;
  };

  let starting: Promise<void> | undefined;
  const start = () =>
    (starting ??= (async () => {
      mosquitto = await Mosquitto.start(opts.mosquitto);
      if (opts.probe !== false) probe = await Probe.connect(mosquitto.url, opts.probe);
    })());

  before(start);

  after(async () => {
    try {
      for (const fn of cleanUps) await fn();
    } finally {
      await probe?.close();
      await mosquitto?.stop();
    }
  });

  return {
    get mosquitto() {
      return started(mosquitto, 'broker');
    },
    get url() {
      return started(mosquitto, 'broker').url;
    },
    get probe() {
      return started(probe, 'probe');
    },
    before(fn) {
      before(async () => {
        await start();
        await fn();
      });
    },
    after(fn) {
      cleanUps.push(fn);
    },
  };
}
