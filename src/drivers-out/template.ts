/**
 * Templates of the displays, `http` and `email` (README "Templates"): Liquid, through the one
 * engine in core/template.ts. A tag names a dotted path (`{{ kitchen-climate.temperature }}`,
 * `{{ value }}`, `{{ payload.level | round: 1 }}`); what its first segment means is up to the
 * lookup the caller passes: another scheme's id for the displays, a payload field first for the
 * webhook. Text without `{{` or `{%` is used as it is.
 */
import type { Reading, StateView } from '../core/driver.js';
import { compileTemplate, formatValue, isTemplate, type RenderOptions, type Template as Liquid } from '../core/template.js';

export { formatValue, type RenderOptions };
export { TemplateError } from '../core/template.js';

/** Finds the value at a dotted path; undefined when there is none. */
export type Lookup = (path: readonly string[]) => unknown;

/** A parsed template: render it as often as the values change. Throws TemplateError for a bad one. */
export class Template {
  readonly #t?: Liquid;

  constructor(readonly source: string) {
    this.#t = isTemplate(source) ? compileTemplate(source) : undefined;
  }

  /** Every path the template reads, once each. */
  get paths(): (readonly string[])[] {
    return this.#t?.paths ?? [];
  }

  /** True when the template is one tag and nothing else, so its value can keep its type. */
  get single(): boolean {
    return this.#t?.single ?? false;
  }

  #scope(lookup: Lookup): Record<string, unknown> {
    const scope: Record<string, unknown> = {};
    for (const root of this.#t?.roots ?? []) {
      const v = lookup([root]);
      if (v !== undefined) scope[root] = v;
    }
    return scope;
  }

  render(lookup: Lookup, opts: RenderOptions = {}): string {
    return this.#t ? this.#t.render(this.#scope(lookup), opts) : this.source;
  }

  /** The raw value of a single-tag template, the rendered text otherwise. */
  value(lookup: Lookup, opts?: RenderOptions): unknown {
    return this.#t ? this.#t.value(this.#scope(lookup), opts) : this.source;
  }
}

/** Walks `path` into a plain object: `{a: {b: 1}}` at `a.b` is 1. */
export function objectLookup(root: Record<string, unknown>): Lookup {
  return (path) => {
    let node: unknown = root;
    for (const key of path) {
      if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
      node = (node as Record<string, unknown>)[key];
    }
    return node;
  };
}

/**
 * Other schemes' states: `scheme-id.field`. `latest` holds states seen through `watch` that may
 * be newer than what `states.get` returns yet; it wins.
 */
export function statesLookup(states: StateView, latest?: ReadonlyMap<string, Reading>): Lookup {
  return ([id, ...rest]) => {
    if (id === undefined) return undefined;
    const state = latest?.get(id) ?? states.get(id);
    if (state === undefined) return undefined;
    return rest.length === 0 ? state : objectLookup(state)(rest);
  };
}

/** The first lookup that has a value wins. */
export function firstOf(...lookups: Lookup[]): Lookup {
  return (path) => {
    for (const lookup of lookups) {
      const v = lookup(path);
      if (v !== undefined) return v;
    }
    return undefined;
  };
}

/** The first segments of every path in `templates`: for the displays, the scheme ids to watch. */
export function referencedIds(templates: Iterable<Template>): Set<string> {
  const ids = new Set<string>();
  for (const t of templates) for (const p of t.paths) ids.add(p[0]!);
  return ids;
}
