/**
 * The scheme runtime owns the node's running schemes. It loads the schemes directory, hands the
 * rules to the rule engine, runs one {@link InputScheme} or {@link OutputScheme} per scheme
 * (outputs first), and applies a reload as a diff: new schemes start, removed ones stop, changed
 * ones restart, nothing else is touched. The mediator, the rules and `$request` act on schemes
 * through it: {@link command}, {@link read}, {@link setInterval}, {@link setEnabled}.
 */
import type { Logger } from 'pino';
import type { EventBus } from '../core/bus.js';
import type { DriverRegistry } from '../core/registry.js';
import type { Reading, StateView } from '../core/driver.js';
import type { Service } from '../core/service.js';
import type { Hardware } from '../hardware/types.js';
import { isSim } from '../hardware/index.js';
import type { LoadedRule, LoadedScheme, LoadResult } from '../schemes/loader.js';
import { formatProblem } from '../schemes/loader.js';
import { formatUnavailable } from './scheme-files.js';
import type { StateStore } from '../state/index.js';
import { FilterChain } from '../filters/index.js';
import { InputScheme } from './input-scheme.js';
import { OutputScheme } from './output-scheme.js';
import { SchemeFiles } from './scheme-files.js';
import type { SchemeStatus } from './supervised.js';

/** How many schemes start at once (see `#apply`). */
const START_TOGETHER = 16;

export interface RunningScheme {
  scheme: LoadedScheme;
  runtime: InputScheme | OutputScheme;
  enabled: boolean;
}

export interface SchemeRuntimeContext {
  /** The schemes directory. */
  dir: string;
  registry: DriverRegistry;
  /** The node's hardware; asked for at start, once the hardware service has opened it. */
  hardware: () => Hardware;
  bus: EventBus;
  log: Logger;
  /** Saved states, counters and the overrides made through `$request`. */
  store: StateStore;
  /** Takes the rules of every load, before the schemes start, so the rules see every first state. */
  rules?: { apply(rules: LoadedRule[]): Promise<void> };
  /** Driver retry backoff in ms (tests shorten it). */
  retry?: { min: number; max: number };
  /** The `secrets.yaml` that `!secret` in scheme files reads (README "Secrets in scheme files"). */
  secretsFile?: string;
  /** The node's values never to log; secrets from scheme files are added. */
  sensitive?: string[];
}

/** What a reload did. */
export interface ReloadResult {
  started: string[];
  stopped: string[];
  restarted: string[];
  invalid: { file: string; problems: string[] }[];
  kept: string[];
}

export class SchemeRuntime implements Service {
  readonly name = 'schemes';
  readonly #running = new Map<string, RunningScheme>();
  readonly #files: SchemeFiles;
  /** Reloads run one at a time, each on the directory as it is when it begins. */
  #reloading: Promise<unknown> = Promise.resolve();
  #hardware?: Hardware;

  constructor(private readonly ctx: SchemeRuntimeContext) {
    this.#files = new SchemeFiles({ dir: ctx.dir, registry: ctx.registry, log: ctx.log, vars: { secretsFile: ctx.secretsFile }, sensitive: ctx.sensitive });
  }

  async start(): Promise<void> {
    this.#hardware = this.ctx.hardware();
    const { started } = await this.#load();
    this.ctx.log.info(`started ${started.length} scheme(s): ${started.join(', ') || 'none'}`);
  }

  async stop(): Promise<void> {
    await this.#reloading;
    // Inputs first, then outputs: the reverse of the start order.
    const order = this.all().sort((a, b) => (a.scheme.direction === b.scheme.direction ? 0 : a.scheme.direction === 'input' ? -1 : 1));
    for (const r of order) await r.runtime.stop();
    this.#running.clear();
  }

  /**
   * Re-reads the schemes directory and applies the difference. Removed schemes lose their retained
   * topics and saved state (the `schemesChanged` event says which). A file that has become invalid
   * keeps its last good version running, and its problems go to `$error`. `change` (a file
   * written or removed) runs first, in the same turn, so no other reload (the watcher's) comes
   * between the change and this one and the result says what the change did.
   */
  reload(change?: () => Promise<void>): Promise<ReloadResult> {
    const run = this.#reloading.then(async () => {
      await change?.();
      const diff = await this.#load();
      this.ctx.log.info(`reload: started [${diff.started}], stopped [${diff.stopped}], restarted [${diff.restarted}]`);
      this.ctx.bus.emit('schemesChanged', { stopped: diff.stopped });
      return diff;
    });
    this.#reloading = run.catch(() => {});
    return run;
  }

  get(id: string): RunningScheme | undefined {
    return this.#running.get(id);
  }

  has(id: string): boolean {
    return this.#running.has(id);
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

  /** The files of the latest load that have problems. */
  invalidFiles(): { file: string; problems: string[] }[] {
    return this.#files.invalid();
  }

  /** Applies a normalised command to an output; rejects with a reason fit for `$error`. */
  command(id: string, command: Record<string, unknown>): Promise<Reading> {
    const running = this.#running.get(id);
    if (!running) return Promise.reject(new Error(`no output '${id}' on this node; outputs: ${this.ids('output').join(', ') || 'none'}`));
    if (!(running.runtime instanceof OutputScheme)) return Promise.reject(new Error(`'${id}' is an input; only outputs take commands`));
    if (!running.enabled) return Promise.reject(new Error(`'${id}' is disabled`));
    return running.runtime.command(command);
  }

  /** Takes a reading now (an input) or gives the current state (an output). */
  async read(id: string): Promise<Reading> {
    const running = this.#running.get(id);
    if (!running) throw new Error(`no scheme '${id}' on this node`);
    if (running.runtime instanceof InputScheme) return running.runtime.readNow();
    const state = running.runtime.status(running.enabled, 'output').state;
    if (!state) throw new Error(`${id} has no state yet`);
    return state;
  }

  /** Changes a polled input's interval; the change survives restarts. */
  setInterval(id: string, ms: number): void {
    const running = this.#running.get(id);
    if (!running) throw new Error(`no scheme '${id}' on this node`);
    if (!(running.runtime instanceof InputScheme) || running.runtime.interval === undefined) throw new Error(`${id} is not a polled input`);
    running.runtime.setInterval(ms);
    this.ctx.store.setInterval(id, ms);
    this.ctx.log.info(`${id}: interval set to ${ms} ms`);
  }

  /** Enables or disables a scheme; the choice survives restarts. */
  async setEnabled(id: string, enabled: boolean): Promise<void> {
    const running = this.#running.get(id);
    if (!running) throw new Error(`no scheme '${id}' on this node`);
    if (running.enabled !== enabled) {
      running.enabled = enabled;
      if (enabled) await running.runtime.start();
      else await running.runtime.stop();
    }
    this.ctx.store.setEnabled('scheme', id, enabled);
    this.ctx.log.info(`${id}: ${enabled ? 'enabled' : 'disabled'}`);
    if (!enabled) this.ctx.bus.emit('availability', { id, online: false, reason: 'disabled' });
    this.ctx.bus.emit('schemesChanged', {});
  }

  /** Sets simulated quantities behind scheme `id` (`$sim`); throws when not on sim or nothing is there. */
  simulate(id: string, quantities: Record<string, unknown>): void {
    const hardware = this.#hardware;
    if (!hardware || !isSim(hardware)) throw new Error('this node does not run on simulated hardware');
    const device = hardware.device(id);
    if (!device) throw new Error(`no simulated device behind '${id}'; schemes: ${this.all().map((r) => r.scheme.id).join(', ')}`);
    device.set(quantities);
  }

  /** Sends every scheme's saved state again (Home Assistant came back and wants them). */
  republish(): void {
    for (const { scheme, runtime } of this.all()) {
      const saved = this.ctx.store.getState(scheme.id);
      if (saved) this.ctx.bus.emit('state', { id: scheme.id, direction: scheme.direction, state: saved.state, ts: saved.ts, delivery: runtime.delivery });
    }
  }

  async #load(): Promise<ReloadResult> {
    const { loaded, effective, kept } = await this.#files.load();
    for (const p of loaded.problems) this.ctx.bus.emit('error', { topic: p.file, error: formatProblem(p) });
    for (const u of loaded.unavailable) this.ctx.bus.emit('error', { topic: u.file, error: formatUnavailable(u) });
    for (const file of kept) this.ctx.log.warn(`schemes: ${file} is invalid; its last good version keeps running`);
    await this.ctx.rules?.apply(effective.rules);
    const diff = await this.#apply(this.#withOverrides(effective));
    for (const id of diff.stopped) this.ctx.store.deleteState(id);
    return { ...diff, invalid: this.invalidFiles(), kept };
  }

  /** Makes the running set match `schemes`. */
  async #apply(schemes: LoadedScheme[]): Promise<{ started: string[]; stopped: string[]; restarted: string[] }> {
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
    // Outputs first: a rule or an input never sees an output that is not there yet. Within each
    // direction up to START_TOGETHER schemes start at once: a start that waits on its device (a
    // BME280's reset takes milliseconds) does not hold up the others, schemes on one bus take
    // turns through the bus lock, and a node with hundreds of schemes does not hold all their
    // starts in memory at once. A start never throws; a failing driver retries on its own.
    for (const direction of ['output', 'input'] as const) {
      const queue: RunningScheme[] = [];
      for (const scheme of next.values()) {
        if (scheme.direction !== direction || this.#running.has(scheme.id)) continue;
        const running = this.#create(scheme);
        this.#running.set(scheme.id, running);
        if (running.enabled) queue.push(running);
        if (!restarted.includes(scheme.id)) started.push(scheme.id);
      }
      const worker = async () => {
        for (let r = queue.shift(); r; r = queue.shift()) await r.runtime.start();
      };
      await Promise.all(Array.from({ length: Math.min(START_TOGETHER, queue.length) }, worker));
    }
    return { started, stopped, restarted };
  }

  /** The loaded schemes with the overrides made through `$request` (interval, disabled) applied. */
  #withOverrides(loaded: LoadResult): LoadedScheme[] {
    const o = this.ctx.store.overrides();
    return [...loaded.outputs, ...loaded.inputs].map((s) => {
      const interval = o.intervals[s.id];
      const disabled = o.disabled.schemes.includes(s.id);
      const enabled = o.enabled.schemes.includes(s.id);
      if (interval === undefined && !disabled && !enabled) return s;
      const options = { ...(s.options as Record<string, unknown>) };
      if (interval !== undefined && 'interval' in options) options.interval = interval;
      if (disabled) options.enabled = false;
      if (enabled) options.enabled = true;
      return { ...s, options };
    });
  }

  #create(scheme: LoadedScheme): RunningScheme {
    const { registry, bus, log, retry, store } = this.ctx;
    const hardware = this.#hardware!;
    const options = scheme.options as Record<string, any>;
    if (isSim(hardware)) hardware.attach(scheme.id, registry.get(scheme.direction, scheme.driver)?.sim, options);
    const persist = {
      get: (key: string) => store.getCounter(`${scheme.id}:${key}`),
      set: (key: string, value: number) => store.setCounter(`${scheme.id}:${key}`, value),
    };
    const delivery = { retain: options.retain ?? true, qos: options.qos ?? 1, durable: options.durable ?? true };
    const base = { id: scheme.id, driver: scheme.driver, bus, log: log.child({ scheme: scheme.id }), retry, hardware, persist, states: this.#states, options: options as any, delivery };
    const enabled = options.enabled !== false;
    if (scheme.direction === 'input') {
      const chain = options.filters?.length ? new FilterChain(options.filters) : undefined;
      // Loaded: the scheme validated against its schema.
      const runtime = new InputScheme({ ...base, def: registry.get('input', scheme.driver)!, filter: chain && ((r, ts, force) => chain.apply(r, ts, { force })) });
      return { scheme, runtime, enabled };
    }
    const runtime = new OutputScheme({ ...base, def: registry.get('output', scheme.driver)!, restored: store.getState(scheme.id)?.state });
    return { scheme, runtime, enabled };
  }

  /** The latest states of all schemes, for drivers that show other schemes' values (displays). */
  readonly #states: StateView = {
    get: (id) => this.ctx.store.getState(id)?.state,
    watch: (fn) => {
      const owner = {};
      this.ctx.bus.on('state', owner, ({ id, state }) => fn(id, state));
      return () => this.ctx.bus.off(owner);
    },
  };
}
