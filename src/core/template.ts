/**
 * The one template language of hanode (README "Templates"): Liquid, through liquidjs. Displays,
 * the `http` and `email` outputs, bridge payloads and rule `publish` payloads all render with it.
 *
 * `{{ kitchen-climate.temperature | round: 1 }}`, `{% if … %}`, `{% for … %}` and Liquid's own
 * filters work, plus `fixed` and `upper`. Every template is bounded: its length, the time one
 * rendering may take, the memory it may allocate and the text it may produce. Templates cannot
 * read files (`include`, `render` and `layout` are refused). Each text is parsed once and kept.
 */
import { createRequire } from 'node:module';
import type * as LiquidJs from 'liquidjs';
import type { Liquid, Value, TagToken, TopLevelToken, Template as Parsed } from 'liquidjs';
import { MAX_CACHED_TEMPLATES, MAX_TEMPLATE_CHARS, MAX_TEMPLATE_OUTPUT_CHARS, MAX_TEMPLATE_RENDER_MS } from './limits.js';

/** A template that cannot be parsed or rendered; the message says where in the template. */
export class TemplateError extends Error {}

/** How {@link Template.render} turns values into text. */
export interface RenderOptions {
  /** Shown for a value that is missing (default: empty). */
  missing?: string;
  /** Applied to each value written into the text, e.g. `encodeURIComponent` for a URL. */
  encode?: (text: string) => string;
}

/** Per-render options, where the output hook can find them and a template cannot name them. */
const RENDER = Symbol('render options');

/** How a value reads in text: numbers and booleans as JS writes them, objects as JSON; nothing for null. */
export function formatValue(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

function writeOut(this: { context: LiquidJs.Context }, value: unknown): string {
  const opts = ((this.context.globals as Record<symbol, RenderOptions | undefined>)[RENDER] ?? {}) as RenderOptions;
  const text = formatValue(value);
  if (text === undefined) return opts.missing ?? '';
  return opts.encode ? opts.encode(text) : text;
}

let liquidjs: typeof LiquidJs | undefined;

/**
 * Loads liquidjs ahead of the templates: the scheme and config loaders call this when a text
 * holds `{{` or `{%`. A node without templates never loads it (about 1 MiB of heap and tens of
 * ms at start-up); text without tags is used as it is, without it.
 */
export async function loadTemplateEngine(): Promise<void> {
  // liquidjs's CommonJS build is what Node and the bundle both load: its exports are the default.
  const mod = (await import('liquidjs')) as typeof LiquidJs & { default?: typeof LiquidJs };
  liquidjs ??= mod.default?.Liquid ? mod.default : mod;
}

/** liquidjs: as loaded ahead, or else now, synchronously, from the package's CommonJS build. */
function lib(): typeof LiquidJs {
  return (liquidjs ??= createRequire(import.meta.url)('liquidjs') as typeof LiquidJs);
}

let shared: Liquid | undefined;

/**
 * The one Liquid engine, built when the first template is parsed. Building it asks ICU for the
 * default locale (liquidjs's `date` filter uses it), which maps about 8 MiB of locale data into
 * the process: a node without templates never pays for it (README "Benchmarks").
 */
function engine(): Liquid {
  if (shared) return shared;
  const { Liquid, Tag } = lib();
  /** Tags that would read files: a template comes from a scheme or a payload, never from the disk. */
  class NoFiles extends Tag {
    constructor(token: TagToken, remain: TopLevelToken[], liquid: Liquid) {
      super(token, remain, liquid);
      throw new Error(`'${token.name}' is not available: templates cannot read files`);
    }
    *render(): Generator<unknown, void, unknown> {}
  }
  const liquid = new Liquid({
    strictFilters: true,
    ownPropertyOnly: true,
    outputEscape: writeOut,
    parseLimit: MAX_TEMPLATE_CHARS,
    renderLimit: MAX_TEMPLATE_RENDER_MS,
    // Strings built, ranges walked: enough for any display or payload, not for a runaway loop.
    memoryLimit: 16 * MAX_TEMPLATE_OUTPUT_CHARS,
    cache: false,
  });
  for (const name of ['include', 'render', 'layout']) liquid.registerTag(name, NoFiles);
  /** `{{ x | fixed: 2 }}`: the number with exactly that many decimals, as text. */
  liquid.registerFilter('fixed', (v: unknown, digits: unknown = 0) => {
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (!Number.isFinite(n)) return v;
    const d = Math.min(20, Math.max(0, Math.trunc(Number(digits) || 0)));
    return n.toFixed(d);
  });
  /** `{{ x | upper }}`: Liquid's `upcase` under the shorter name. */
  liquid.registerFilter('upper', (v: unknown) => (v === undefined || v === null ? v : String(v).toUpperCase()));
  /** `{{ x | lower }}`, likewise. */
  liquid.registerFilter('lower', (v: unknown) => (v === undefined || v === null ? v : String(v).toLowerCase()));
  return (shared = liquid);
}

/** The filters hanode adds to Liquid's own, for the README. */
export const EXTRA_FILTERS = ['fixed', 'upper', 'lower'] as const;

/** A liquidjs error as one line: what is wrong and where in the template. */
function describe(err: unknown): string {
  const e = err as Error & { token?: unknown; originalError?: Error };
  const first = (e.originalError?.message && !/line:\d+/.test(e.message) ? e.originalError.message : e.message).split('\n')[0]!;
  const m = /^(.*?),? line:(\d+), col:(\d+)$/.exec(first);
  const [text, where] = m ? [m[1]!, `line ${m[2]}, col ${m[3]}: `] : [first, ''];
  const reason = text
    .replace(/^parse length limit exceeded$/, `longer than ${MAX_TEMPLATE_CHARS} characters`)
    .replace(/^template render limit exceeded$/, `rendering took longer than ${MAX_TEMPLATE_RENDER_MS} ms; is there a long loop?`)
    .replace(/^memory alloc limit exceeded$/, 'rendering needs too much memory; is there a long loop or range?');
  return `template ${where}${reason}`;
}

/** An output tag's content that is a plain path, with filters or not. */
const OUTPUT_PATH = /^\s*([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)\s*(\|[\s\S]*)?$/;

/** A parsed template: render it as often as the values change. */
export class Template {
  /** Undefined for text without tags, which renders as it is. */
  readonly #parsed?: Parsed[];
  /** The expression of a template that is one `{{ … }}` and nothing else: its value can keep its type. */
  readonly #single?: Value;
  /** Every variable path the template reads from its scope (loop variables left out), once each. */
  readonly paths: string[][];
  /** Paths that top-level `{{ … }}` tags print without `| default`: the values the text cannot do without. */
  readonly required: string[][];

  /** Use {@link compileTemplate}, which keeps parsed templates. */
  constructor(readonly source: string) {
    if (source.length > MAX_TEMPLATE_CHARS) throw new TemplateError(`template of ${source.length} characters is over the limit of ${MAX_TEMPLATE_CHARS}`);
    this.required = [];
    if (!isTemplate(source)) {
      this.paths = [];
      return;
    }
    const { Output, Value } = lib();
    try {
      this.#parsed = engine().parse(source);
      this.paths = engine().globalVariableSegmentsSync(this.#parsed).map((segs) => segs.map(String));
    } catch (err) {
      throw new TemplateError(describe(err));
    }
    const outputs = this.#parsed.filter((t): t is LiquidJs.Output => t instanceof Output);
    if (this.#parsed.length === 1 && outputs.length === 1) this.#single = new Value(outputs[0]!.token.content, engine());
    for (const t of outputs) {
      const m = OUTPUT_PATH.exec(t.token.content);
      if (m && !/\|\s*default\b/.test(m[2] ?? '')) this.required.push(m[1]!.split('.'));
    }
  }

  /** The first segment of every path: the names the scope must hold. */
  get roots(): string[] {
    return [...new Set(this.paths.map((p) => p[0]!))];
  }

  /** True when the template is one `{{ … }}` and nothing else, so its value can keep its type. */
  get single(): boolean {
    return this.#single !== undefined;
  }

  /** Renders with `scope`; throws TemplateError when a limit is reached or a filter fails. */
  render(scope: Record<string, unknown>, opts: RenderOptions = {}): string {
    if (!this.#parsed) return this.source;
    let out: string;
    try {
      out = engine().renderSync(this.#parsed, scope, { globals: { [RENDER]: opts } }) as string;
    } catch (err) {
      throw new TemplateError(describe(err));
    }
    if (out.length > MAX_TEMPLATE_OUTPUT_CHARS) throw new TemplateError(`template output of ${out.length} characters is over the limit of ${MAX_TEMPLATE_OUTPUT_CHARS}`);
    return out;
  }

  /**
   * The value of a template that is one `{{ … }}` and nothing else, filters applied (a number stays
   * a number: `{{ t | round: 1 }}` is 21.5), the rendered text otherwise.
   */
  value(scope: Record<string, unknown>, opts: RenderOptions = {}): unknown {
    if (!this.#single) return this.render(scope, opts);
    let v: unknown;
    try {
      const { Context, toValueSync } = lib();
      v = toValueSync(this.#single.value(new Context(scope, engine().options), false));
    } catch (err) {
      throw new TemplateError(describe(err));
    }
    if (typeof v === 'string' && v.length > MAX_TEMPLATE_OUTPUT_CHARS) throw new TemplateError(`template output of ${v.length} characters is over the limit of ${MAX_TEMPLATE_OUTPUT_CHARS}`);
    return v === undefined || v === null ? (opts.missing ?? null) : v;
  }
}

/** Walks `path` into a plain object: `{a: {b: 1}}` at `a.b` is 1. */
export function valueAt(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

const cache = new Map<string, Template>();

/** The parsed template for `source`, parsed once and kept; throws TemplateError for a bad one. */
export function compileTemplate(source: string): Template {
  const known = cache.get(source);
  if (known) {
    // Most recently used last, so the oldest goes first when the cache is full.
    cache.delete(source);
    cache.set(source, known);
    return known;
  }
  const t = new Template(source);
  cache.set(source, t);
  if (cache.size > MAX_CACHED_TEMPLATES) cache.delete(cache.keys().next().value!);
  return t;
}

/** What is wrong with a template, or undefined. */
export function templateProblem(source: string): string | undefined {
  try {
    compileTemplate(source);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** True when a text has template tags in it; other text is used as it is. */
export function isTemplate(text: string): boolean {
  return text.includes('{{') || text.includes('{%');
}

/**
 * A JSON value with every string in it rendered: a string that is one `{{ path }}` keeps the
 * value's type, as `payload: { level: "{{ tank.level }}" }` sends a number.
 */
export function renderJson(node: unknown, scope: Record<string, unknown>, depth = 0): unknown {
  if (depth > 32) throw new TemplateError('payload nested more than 32 levels deep');
  if (typeof node === 'string') return isTemplate(node) ? compileTemplate(node).value(scope) : node;
  if (Array.isArray(node)) return node.map((n) => renderJson(n, scope, depth + 1));
  if (node !== null && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, renderJson(v, scope, depth + 1)]));
  return node;
}

/** Every problem in the templates of a JSON value, with the path to each string. */
export function jsonTemplateProblems(node: unknown, path: (string | number)[] = []): { path: (string | number)[]; message: string }[] {
  if (typeof node === 'string') {
    const problem = isTemplate(node) ? templateProblem(node) : undefined;
    return problem ? [{ path, message: problem }] : [];
  }
  if (Array.isArray(node)) return node.flatMap((n, i) => jsonTemplateProblems(n, [...path, i]));
  if (node !== null && typeof node === 'object') return Object.entries(node).flatMap(([k, v]) => jsonTemplateProblems(v, [...path, k]));
  return [];
}
