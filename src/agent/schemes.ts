/**
 * The running schemes of a node: builds a runtime per loaded scheme, starts outputs before inputs,
 * and applies a new set of loaded schemes as a diff (new ones start, removed ones stop, changed ones restart).
 */
import type { Logger } from 'pino';
import type { EventBus } from '../core/bus.js';
import type { DriverRegistry } from '../core/registry.js';
import type { Reading, StateView } from '../core/driver.js';
import type { Hardware } from '../hardware/types.js';
import { isSim } from '../hardware/index.js';
import type { LoadedScheme } from '../schemes/loader.js';
import { FilterChain } from '../filters/index.js';
import { InputScheme } from '../runtime/input-scheme.js';
import { OutputScheme } from '../runtime/output-scheme.js';
import type { SchemeStatus } from '../runtime/supervised.js';

export interface RunningScheme {
  scheme: LoadedScheme;
  runtime: InputScheme | OutputScheme;
  enabled: boolean;
}

export interface SchemeSetContext {
  registry: DriverRegistry;
  hardware: Hardware;
  bus: EventBus;
  log: Logger;
  retry?: { min: number; max: number };
  /** Saved output states, for `restore: true`. */
  restored?: (id: string) => Reading | undefined;
  /** Numbers drivers keep across restarts, by `scheme id` and key. */
  counters?: { get(key: string): number | undefined; set(key: string, value: number): void };
  /** The latest states of all schemes. */
  states?: StateView;
}

const noStates: StateView = { get: () => undefined, watch: () => () => {} };

export class SchemeSet {
  readonly #running = new Map<string, RunningScheme>();

  constructor(private readonly ctx: SchemeSetContext) {}

  get(id: string): RunningScheme | undefined {
    return this.#running.get(id);
  }

  all(): RunningScheme[] {
    return [...this.#running.values()];
  }

  ids(direction: 'input' | 'output'): string[] {
    return this.all().filter((r) => r.scheme.direction === direction).map((r) => r.scheme.id);
  }

  status(): SchemeStatus[] {
    return this.all().map((r) => r.runtime.status(r.enabled, r.scheme.direction));
  }

  /** Makes the running set match `schemes`. Returns the ids removed, so their topics can be cleared. */
  async apply(schemes: LoadedScheme[]): Promise<{ started: string[]; stopped: string[]; restarted: string[] }> {
    const next = new Map(schemes.map((s) => [s.id, s]));
    const stopped: string[] = [];
    const restarted: string[] = [];
    const started: string[] = [];
    for (const [id, running] of this.#running) {
      const wanted = next.get(id);
      if (!wanted) {
        await running.runtime.stop();
        this.#running.delete(id);
        stopped.push(id);
      } else if (JSON.stringify(wanted.options) !== JSON.stringify(running.scheme.options) || wanted.direction !== running.scheme.direction) {
        await running.runtime.stop();
        this.#running.delete(id);
        restarted.push(id);
      }
    }
    // Outputs first: a rule or an input never sees an output that is not there yet.
    const order = [...next.values()].sort((a, b) => (a.direction === b.direction ? 0 : a.direction === 'output' ? -1 : 1));
    for (const scheme of order) {
      if (this.#running.has(scheme.id)) continue;
      const running = this.#create(scheme);
      this.#running.set(scheme.id, running);
      if (running.enabled) await running.runtime.start();
      if (!restarted.includes(scheme.id)) started.push(scheme.id);
    }
    return { started, stopped, restarted };
  }

  async setEnabled(id: string, enabled: boolean): Promise<void> {
    const running = this.#running.get(id);
    if (!running) throw new Error(`no scheme '${id}' on this node`);
    if (running.enabled === enabled) return;
    running.enabled = enabled;
    if (enabled) await running.runtime.start();
    else await running.runtime.stop();
  }

  async stopAll(): Promise<void> {
    // Inputs first, then outputs: the reverse of the start order.
    const order = this.all().sort((a, b) => (a.scheme.direction === b.scheme.direction ? 0 : a.scheme.direction === 'input' ? -1 : 1));
    for (const r of order) await r.runtime.stop();
    this.#running.clear();
  }

  #create(scheme: LoadedScheme): RunningScheme {
    const { registry, hardware, bus, log, retry } = this.ctx;
    const options = scheme.options as Record<string, any>;
    if (isSim(hardware)) hardware.attach(scheme.id, (scheme.direction === 'input' ? registry.inputs : registry.outputs)[scheme.driver]?.sim, options);
    const counters = this.ctx.counters;
    const persist = {
      get: (key: string) => counters?.get(`${scheme.id}:${key}`),
      set: (key: string, value: number) => counters?.set(`${scheme.id}:${key}`, value),
    };
    const states = this.ctx.states ?? noStates;
    const base = { id: scheme.id, driver: scheme.driver, bus, log: log.child({ scheme: scheme.id }), retry, hardware, persist, states, options: options as any };
    const enabled = options.enabled !== false;
    if (scheme.direction === 'input') {
      const chain = options.filters?.length ? new FilterChain(options.filters) : undefined;
      const runtime = new InputScheme({ ...base, def: registry.inputs[scheme.driver], filter: chain && ((r, ts) => chain.apply(r, ts)) });
      return { scheme, runtime, enabled };
    }
    const runtime = new OutputScheme({ ...base, def: registry.outputs[scheme.driver], restored: this.ctx.restored?.(scheme.id) });
    return { scheme, runtime, enabled };
  }
}
