import type { DriverDef, InputDriverDef, OutputDriverDef } from './driver.js';
import type { DriverChip } from '../hardware/catalog.js';

export type Direction = 'input' | 'output';

/**
 * A driver known by its name before its module is loaded: the built-ins are listed this way, so
 * a node loads the code and schema of the drivers its schemes use and no others (README
 * "Benchmarks": loading them all was most of hanode's memory over a bare MQTT client).
 */
export interface LazyDriver<D extends DriverDef = DriverDef> {
  /** The chips it reads, for `hanode scan`'s guesses: known without loading the module. */
  chips?: readonly DriverChip[];
  load(): Promise<D>;
}

type Source<D extends DriverDef> = D | LazyDriver<D>;

interface Entry {
  def?: DriverDef;
  lazy?: LazyDriver;
  /** Why the last attempt to load it failed; the next `load` tries again. */
  failure?: Error;
  loading?: Promise<void>;
}

const isLazy = (s: Source<DriverDef>): s is LazyDriver => typeof (s as LazyDriver).load === 'function' && !('direction' in s);

/**
 * The drivers a node can use: the built-ins (`builtinRegistry()` in src/cli/registry.ts) plus any
 * plugins. Every driver is known by name from the start; a definition is there to use once it
 * is loaded (`load`, `loadAll`). Passed in, never reached for.
 */
export class DriverRegistry {
  readonly #entries: Record<Direction, Map<string, Entry>> = { input: new Map(), output: new Map() };

  constructor(drivers: { inputs?: Record<string, Source<InputDriverDef<any>>>; outputs?: Record<string, Source<OutputDriverDef<any, any>>> } = {}) {
    for (const [direction, map] of [['input', drivers.inputs], ['output', drivers.outputs]] as const) {
      for (const [name, source] of Object.entries(map ?? {})) {
        this.#entries[direction].set(name, isLazy(source) ? { lazy: source } : { def: source });
      }
    }
  }

  /** Every driver name of a direction, loaded or not, in the order they were listed. */
  names(direction: Direction): string[] {
    return [...this.#entries[direction].keys()];
  }

  has(direction: Direction, name: string): boolean {
    return this.#entries[direction].has(name);
  }

  /** The definition, once loaded. */
  get(direction: 'input', name: string): InputDriverDef<any> | undefined;
  get(direction: 'output', name: string): OutputDriverDef<any, any> | undefined;
  get(direction: Direction, name: string): DriverDef | undefined;
  get(direction: Direction, name: string): DriverDef | undefined {
    return this.#entries[direction].get(name)?.def;
  }

  /** Why the driver's module could not be loaded, when the last attempt failed. */
  failure(direction: Direction, name: string): Error | undefined {
    return this.#entries[direction].get(name)?.failure;
  }

  /**
   * Loads the named drivers that are not loaded yet, together; resolves when every one has
   * loaded or failed (`failure` says why). Names the registry does not know are left out.
   */
  async load(wanted: Iterable<{ direction: Direction; name: string }>): Promise<void> {
    const loads: Promise<void>[] = [];
    for (const { direction, name } of wanted) {
      const entry = this.#entries[direction].get(name);
      if (entry && !entry.def) loads.push(this.#load(entry));
    }
    await Promise.all(loads);
  }

  /** Loads every driver (the catalogue, the JSON Schema, the docs, drafts need them all); a module that fails is left out. */
  async loadAll(): Promise<this> {
    await this.load((['input', 'output'] as const).flatMap((direction) => this.names(direction).map((name) => ({ direction, name }))));
    return this;
  }

  /**
   * Every definition of a direction, in the order they were listed, after `loadAll()` (drivers
   * whose module failed to load are left out). Throws before: a catalogue missing the drivers
   * no scheme happened to use would be wrong without saying so.
   */
  defs(direction: 'input'): [string, InputDriverDef<any>][];
  defs(direction: 'output'): [string, OutputDriverDef<any, any>][];
  defs(direction: Direction): [string, DriverDef][];
  defs(direction: Direction): [string, DriverDef][] {
    const entries = [...this.#entries[direction]];
    const pending = entries.filter(([, e]) => !e.def && !e.failure).map(([name]) => name);
    if (pending.length) throw new Error(`driver definitions not loaded yet (${pending.join(', ')}): call loadAll() first`);
    return entries.flatMap(([name, e]) => (e.def ? [[name, e.def] as [string, DriverDef]] : []));
  }

  /** Every input definition by name, after `loadAll()` (see {@link defs}); read-only (`add` adds one). */
  get inputs(): Record<string, InputDriverDef<any>> {
    return Object.freeze(Object.fromEntries(this.defs('input')));
  }

  /** Every output definition by name, after `loadAll()` (see {@link defs}); read-only (`add` adds one). */
  get outputs(): Record<string, OutputDriverDef<any, any>> {
    return Object.freeze(Object.fromEntries(this.defs('output')));
  }

  /** The chips each driver reads, keyed by driver name, without loading any module. */
  chips(): { driver: string; chips: readonly DriverChip[] }[] {
    return (['input', 'output'] as const).flatMap((direction) =>
      [...this.#entries[direction]].map(([driver, e]) => ({ driver, chips: e.def?.chips ?? e.lazy?.chips ?? [] })),
    );
  }

  /** A registry with the same drivers (loaded ones stay loaded), for adding plugins to. */
  copy(): DriverRegistry {
    const out = new DriverRegistry();
    for (const direction of ['input', 'output'] as const) for (const [name, e] of this.#entries[direction]) out.#entries[direction].set(name, { def: e.def, lazy: e.lazy });
    return out;
  }

  /** Adds a loaded definition (a plugin's) under its own name. */
  add(def: DriverDef): void {
    this.#entries[def.direction].set(def.name, { def });
  }

  #load(entry: Entry): Promise<void> {
    entry.loading ??= entry.lazy!.load().then(
      (def) => {
        entry.def = def;
        entry.failure = undefined;
      },
      (err: unknown) => {
        entry.failure = err instanceof Error ? err : new Error(String(err));
      },
    ).finally(() => {
      entry.loading = undefined;
    });
    return entry.loading;
  }
}
