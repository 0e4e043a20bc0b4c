/**
 * `{{path}}` templates, shared by the displays, `http` and `email`. A tag names a dotted path
 * (`{{kitchen-climate.temperature}}`, `{{value}}`, `{{payload.level}}`); what the first segment
 * means is up to the lookup the caller passes: another scheme's id for the displays, a payload
 * field first for the webhook. Text that is not a well-formed tag stays as it is, so a stray
 * `{{` in a message never makes it fail.
 */
import type { Reading, StateView } from '../core/driver.js';

/** Segments are scheme ids (`kitchen-climate`) or field names (`temperature`, `rate_per_min`). */
const TAG = /\{\{\s*([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)\s*\}\}/g;

/** Finds the value at a dotted path; undefined when there is none. */
export type Lookup = (path: readonly string[]) => unknown;

/** How `Template.render` fills in values. */
export interface RenderOptions {
  /** Shown for a path with no value (default: empty). */
  missing?: string;
  /** Applied to each substituted value, e.g. `encodeURIComponent` for URLs. */
  encode?: (text: string) => string;
}

type Part = string | readonly string[];

/** A parsed template: render it as often as the values change. */
export class Template {
  readonly #parts: Part[] = [];
  /** Every path the template refers to, in order, as written. */
  readonly paths: (readonly string[])[] = [];

  constructor(readonly source: string) {
    let at = 0;
    for (const m of source.matchAll(TAG)) {
      if (m.index > at) this.#parts.push(source.slice(at, m.index));
      const path = m[1]!.split('.');
      this.#parts.push(path);
      this.paths.push(path);
      at = m.index + m[0].length;
    }
    if (at < source.length) this.#parts.push(source.slice(at));
  }

  /** True when the template is one tag and nothing else, so its value can keep its type. */
  get single(): boolean {
    return this.#parts.length === 1 && typeof this.#parts[0] !== 'string';
  }

  render(lookup: Lookup, opts: RenderOptions = {}): string {
    return this.#parts
      .map((part) => {
        if (typeof part === 'string') return part;
        const text = formatValue(lookup(part));
        if (text === undefined) return opts.missing ?? '';
        return opts.encode ? opts.encode(text) : text;
      })
      .join('');
  }

  /** The raw value of a single-tag template, the rendered text otherwise. */
  value(lookup: Lookup, opts?: RenderOptions): unknown {
    if (!this.single) return this.render(lookup, opts);
    const v = lookup(this.#parts[0] as readonly string[]);
    return v === undefined || v === null ? (opts?.missing ?? null) : v;
  }
}

/** How a value reads in text: numbers and booleans as JS writes them, objects as JSON; nothing for null. */
export function formatValue(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
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
