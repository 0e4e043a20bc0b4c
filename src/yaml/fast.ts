/**
 * The quick way through a scheme file. Most scheme files are plain lists of mappings, and the
 * yaml package, which keeps every node's position for the error messages, reads them at about
 * 1 MB/s (a 500-scheme file: 80 ms at start-up, where js-yaml takes 15). So a file that uses
 * nothing beyond plain data is read by js-yaml, with the scalars of YAML 1.2's core schema
 * resolved exactly as the yaml package resolves them; positions come from a scan of the lines
 * for each entry, and from the yaml package only when a problem has to be shown. Anything else
 * (anchors, aliases, tags such as `!secret`, merge keys, `${VAR}`, directives, tabs, and any file
 * js-yaml refuses or warns about) goes through the yaml package whole.
 */
import { load, Type, FAILSAFE_SCHEMA, type Schema } from 'js-yaml';

/** 1-based, as the yaml package's positions are. */
interface Position {
  line: number;
  col: number;
}

/**
 * Text this path leaves to the yaml package: anchors, aliases, tags, merge keys, `${VAR}`,
 * directives, tabs, a byte-order mark, `---` or `...` run into text at a line's start, explicit (`? `) and collection keys, which each package
 * writes as a different string, and lines of over 1,000 characters (the yaml package takes keys
 * of up to 1,024).
 */
const NEEDS_FULL_PARSER = /(?:^|[\s[{,:?-])[&*!]|<<|\$\{|^%|\t|^\uFEFF|(?:^|[\s[{,-])\?(?:\s|$)|^(?:---|\.\.\.)\S|[}\]]\s*:(?:\s|$)|[^\n]{1001}/m;

// The core schema's scalars, as the yaml package (2.x) resolves them: the same patterns, the same values.
const scalar = (tag: string, test: RegExp, construct: (s: string) => unknown) =>
  new Type(`tag:yaml.org,2002:${tag}`, { kind: 'scalar', resolve: (s: string | null) => test.test(s ?? ''), construct: (s: string | null) => construct(s ?? '') });

const CORE: Schema = FAILSAFE_SCHEMA.extend({
  implicit: [
    scalar('null', /^(?:~|[Nn]ull|NULL)?$/, () => null),
    scalar('bool', /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/, (s) => s[0] === 't' || s[0] === 'T'),
    scalar('int', /^(?:0o[0-7]+|[-+]?[0-9]+|0x[0-9a-fA-F]+)$/, (s) => (s.startsWith('0o') ? parseInt(s.slice(2), 8) : s.startsWith('0x') ? parseInt(s.slice(2), 16) : parseInt(s, 10))),
    scalar('float', /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+|[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*))$/, (s) =>
      s.endsWith('nan') || s.endsWith('NaN') || s.endsWith('NAN') ? NaN : /inf$/i.test(s) ? (s[0] === '-' ? -Infinity : Infinity) : parseFloat(s),
    ),
  ],
});

export interface FastYaml {
  /** The document as plain data; null for an empty file. */
  value: unknown;
  /**
   * Where entry `index` of the top-level list `key` starts, as the yaml package gives it;
   * undefined where the scan cannot tell (a list written in flow style, `inputs: [...]`).
   */
  entry(key: string, index: number): Position | undefined;
}

/** The file as plain data by the quick path, or undefined when it needs the yaml package. */
export function parseFast(text: string): FastYaml | undefined {
  const entries = NEEDS_FULL_PARSER.test(text) ? undefined : plainBlocks(text);
  if (!entries) return undefined;
  let value: unknown;
  try {
    value =
      load(text, {
        schema: CORE,
        onWarning: (w) => {
          throw w;
        },
      }) ?? null;
  } catch {
    return undefined;
  }
  // A null key is "null" here and "" to the yaml package; a mapping as a key, "[object Object]" and "{}".
  if (hasKey(value, UNLIKE_KEYS)) return undefined;
  return {
    value,
    entry(key, index) {
      const list = entries.get(key);
      const found = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
      // A scan that found another number of entries than the list has is not trusted.
      return Array.isArray(found) && list?.length === found.length ? list[index] : undefined;
    },
  };
}

const KEY_LINE = /^([A-Za-z0-9_][\w.-]*):(?: +(.*))?$/;
const BLOCK_SCALAR = /^[|>][-+1-9]{0,2}\s*(?:#.*)?$/;
const QUOTED = /^(?:"(?:[^"\\]|\\.)*"|'(?:[^']|'')*')\s*(?:#.*)?$/;

/** A value that starts and ends on its line: quoted, a flow list or mapping, or a plain scalar. */
function oneLineValue(v: string): boolean {
  if (v === '' || v.startsWith('#')) return true;
  if (v[0] === '"' || v[0] === "'") return QUOTED.test(v);
  if (v[0] === '[' || v[0] === '{') {
    let depth = 0;
    let quote = '';
    for (let i = 0; i < v.length; i++) {
      const c = v[i]!;
      if (quote) {
        if (c === '\\' && quote === '"') i++;
        else if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '[' || c === '{') depth++;
      else if (c === ']' || c === '}') {
        if (--depth < 0) return false;
        if (depth === 0) return /^\s*(?:#.*)?$/.test(v.slice(i + 1));
      } else if (c === '#' && /\s/.test(v[i - 1] ?? '')) return false;
    }
    return false;
  }
  // A plain scalar: not starting with an indicator, not holding a `key: value` of its own.
  return !/^[-?:,\]}#&*!|>%@`]/.test(v) && !/:(?:\s|$)/.test(v.replace(/\s+#.*$/, ''));
}

/**
 * Where each entry of the top-level block lists starts, by list (`inputs:` then `- …` lines),
 * when the file's block structure is of the plain kind both packages read alike; undefined
 * otherwise. Each line is blank, a comment, `key:` (a value on the line, a block scalar `|` or `>` whose text follows,
 * or children below), or `- ` and a value or the first `key:` of a mapping; the entries of a list
 * and the keys of a mapping each stand at one indentation. js-yaml is more lenient than the
 * yaml package with odd indentation; such a file goes the yaml package's way, which says what is
 * wrong with it and where.
 */
function plainBlocks(text: string): Map<string, Position[]> | undefined {
  const entries = new Map<string, Position[]>();
  let topKey = ''; // the last key of the top-level mapping
  const stack: { indent: number; kind: 'map' | 'seq' }[] = [];
  let child = -1; // the indentation of a `key:` whose value is below it
  let scalarAbove = -1; // lines indented deeper than this are a block scalar's text
  let first = true;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n]!;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const body = line.trimStart();
    const indent = line.length - body.length;
    if (scalarAbove >= 0) {
      if (body === '' || indent > scalarAbove) continue;
      scalarAbove = -1;
    }
    if (body === '' || body.startsWith('#')) continue;
    if (first && line === '---') continue;
    first = false;
    const item = body === '-' || body.startsWith('- ');
    if (!item && !KEY_LINE.test(body)) return undefined;
    if (child >= 0 && ((item && indent >= child) || (!item && indent > child))) {
      stack.push({ indent, kind: item ? 'seq' : 'map' });
    } else {
      while (stack.length && stack[stack.length - 1]!.indent > indent) stack.pop();
      // The keys after an indentless list go on with the mapping it belongs to.
      if (!item && stack[stack.length - 1]?.kind === 'seq' && stack[stack.length - 1]!.indent === indent) stack.pop();
      const top = stack[stack.length - 1];
      if (!top && indent === 0 && stack.length === 0) stack.push({ indent, kind: item ? 'seq' : 'map' });
      else if (!top || top.indent !== indent || top.kind !== (item ? 'seq' : 'map')) return undefined;
    }
    child = -1;
    let keyIndent = indent;
    let rest = body;
    if (item) {
      rest = body.slice(1).trimStart();
      if (rest === '' || rest.startsWith('- ') || rest === '-') return undefined;
      if (stack.length === 2 && stack[0]!.kind === 'map') {
        const list = entries.get(topKey) ?? [];
        list.push({ line: n + 1, col: line.length - rest.length + 1 });
        entries.set(topKey, list);
      }
      if (!KEY_LINE.test(rest)) {
        if (!oneLineValue(rest)) return undefined;
        continue;
      }
      keyIndent = line.length - rest.length;
      stack.push({ indent: keyIndent, kind: 'map' });
    }
    const [, key, after = ''] = KEY_LINE.exec(rest)!;
    if (!item && stack.length === 1) topKey = key!;
    const value = after.trim();
    if (value === '' || value.startsWith('#')) child = keyIndent;
    else if (BLOCK_SCALAR.test(value)) scalarAbove = keyIndent;
    else if (!oneLineValue(value)) return undefined;
  }
  return entries;
}

/** Keys js-yaml writes otherwise than the yaml package: a null key, a mapping as a key. */
const UNLIKE_KEYS = ['null', '[object Object]'];

function hasKey(value: unknown, keys: readonly string[]): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((v) => hasKey(v, keys));
  return keys.some((k) => Object.hasOwn(value, k)) || Object.values(value).some((v) => hasKey(v, keys));
}
