/**
 * Parses one YAML file (a scheme file) keeping the position of every node, so a problem found in the parsed
 * value can be shown at the line and column the user typed it.
 */
import { LineCounter, parseDocument, isMap, isScalar, isSeq, visit, type Document, type Node } from 'yaml';
import { MAX_YAML_ALIASES } from '../core/limits.js';
import { yamlErrorMessage } from './problem.js';
import { secretTag, substitute, type Sensitive } from './substitute.js';
import { parseFast } from './fast.js';

/** Keys and indexes from the document's root to a node. */
export type Path = (string | number)[];

export interface Position {
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
}

export interface YamlSource {
  /** The document as plain data; null for an empty file. */
  value: unknown;
  /** Syntax errors (and warnings such as unknown tags); the value is not to be trusted if any. */
  errors: (Position & { message: string })[];
  /** Where the node at `path` is: its key, or its value. Falls back to the nearest parent. */
  locate(path: Path, at?: 'key' | 'value'): Position;
  /** Values that came from `!secret` or `${ENV_VAR}`: never to be quoted. */
  sensitive: Sensitive;
}

/** What `!secret` and `${ENV_VAR}` resolve from (yaml/substitute.ts). */
export interface YamlVars {
  env: NodeJS.ProcessEnv;
  /** The secrets file's values, and how a problem names the file; undefined when none was read. */
  secrets?: { values: Record<string, unknown>; label: string };
  /** Why the secrets file could not be read, for each `!secret` to report. */
  secretsError?: string;
}

/** Parses YAML text, keeping positions; never throws. With `vars`, `!secret` and `${ENV_VAR}` are resolved. */
export function parseYaml(text: string, vars?: YamlVars): YamlSource {
  const fast = parseFast(text);
  if (!fast) return parseFull(text, vars);
  // Plain data (yaml/fast.ts): the yaml package reads the file only if a position other than an
  // entry's start is asked for, which is when a problem is shown.
  let full: YamlSource | undefined;
  return {
    value: fast.value,
    errors: [],
    sensitive: { values: [], at: new Set() },
    locate(path, at = 'value') {
      const [key, index] = path;
      const entry = at === 'value' && path.length === 2 && typeof key === 'string' && typeof index === 'number' ? fast.entry(key, index) : undefined;
      return entry ?? (full ??= parseFull(text, vars)).locate(path, at);
    },
  };
}

/** {@link parseYaml} by the yaml package, which keeps every node's position; the quick path is tested against it. */
export function parseFull(text: string, vars?: YamlVars): YamlSource {
  const lines = new LineCounter();
  // merge: true so `<<: *defaults` shares options between schemes, as ESPHome users expect.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, merge: true, customTags: vars ? [secretTag] : [] });
  const errors = [...doc.errors, ...doc.warnings].map((e) => ({
    ...lines.linePos(e.pos[0]),
    message: yamlErrorMessage(e, 'a scheme file'),
  }));
  let sensitive: Sensitive = { values: [], at: new Set() };
  if (vars && !doc.errors.length) {
    const resolved = substitute(doc, lines, '', vars.env, vars.secrets);
    sensitive = resolved.sensitive;
    // A secrets file that cannot be read is said once per `!secret`, instead of "not in" it.
    const problems = vars.secretsError ? resolved.problems.map((p) => (p.message.startsWith('secret ') ? { ...p, message: `${p.message.replace(/ is not in .*$/, '')} cannot be read: ${vars.secretsError}` } : p)) : resolved.problems;
    errors.push(...problems.map(({ line, col, message }) => ({ line, col, message })));
  }
  errors.sort((a, b) => a.line - b.line || a.col - b.col);
  const start = (n: Node | null | undefined): Position | undefined => (n?.range ? lines.linePos(n.range[0]) : undefined);
  // An empty value (`pin:` with nothing after it) has its range at the end of the line; the key is where the eye goes.
  const isBlank = (n: Node | null | undefined) => !n || (isScalar(n) && n.value === null && !n.source);

  let value: unknown = null;
  if (!doc.errors.length) {
    const converted = toPlainData(doc);
    if ('error' in converted) errors.push({ ...(converted.offset !== undefined ? lines.linePos(converted.offset) : { line: 1, col: 1 }), message: converted.error });
    else value = converted.value;
  }

  return {
    value,
    errors,
    sensitive,
    locate(path, at = 'value') {
      let node = doc.contents as Node | null;
      let key: Node | undefined;
      let best = start(node) ?? { line: 1, col: 1 };
      for (let i = 0; i < path.length; i++) {
        const seg = path[i];
        if (isMap(node)) {
          const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
          if (!pair) return best;
          key = pair.key as Node;
          node = pair.value as Node | null;
        } else if (isSeq(node) && typeof seg === 'number' && node.items[seg]) {
          key = undefined;
          node = node.items[seg] as Node;
        } else {
          return best;
        }
        const last = i === path.length - 1;
        best = (last && at === 'key') || isBlank(node) ? (start(key) ?? start(node) ?? best) : (start(node) ?? start(key) ?? best);
      }
      return best;
    },
  };
}

/**
 * The document as plain data, or why it cannot be: an alias bomb ("billion laughs") is refused
 * at its first alias, as is anything else the yaml package throws while converting.
 */
export function toPlainData(doc: Document): { value: unknown } | { error: string; offset?: number } {
  try {
    return { value: doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) ?? null };
  } catch (err) {
    let offset: number | undefined;
    visit(doc, {
      Alias(_key, node) {
        offset = node.range?.[0];
        return visit.BREAK;
      },
    });
    const bomb = err instanceof ReferenceError && /alias/i.test(err.message);
    if (bomb) return { error: `invalid YAML: too many aliases (at most ${MAX_YAML_ALIASES} expanded in a file); is this an alias bomb?`, offset };
    if (err instanceof RangeError) return { error: 'invalid YAML: lists or mappings nested too deeply', offset: undefined };
    return { error: `invalid YAML: ${(err as Error).message}`, offset };
  }
}
