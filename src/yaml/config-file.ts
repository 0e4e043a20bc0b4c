/**
 * Reads a YAML config file keeping node positions, so every error can name FILE:LINE:COL.
 * Resolves `!secret name` (from secrets.yaml) and `${ENV_VAR}` in place, before toJS().
 */
import { open } from 'node:fs/promises';
import { Document, LineCounter, parseDocument, isMap, isPair, isScalar } from 'yaml';
import { didYouMean } from '../core/suggest.js';
import { toPlainData } from './source.js';
import { formatConfigProblem, yamlErrorMessage, type Problem } from './problem.js';
import { hasSecrets, secretTag, substitute, type Sensitive } from './substitute.js';
import { formatBytes, MAX_CONFIG_FILE_BYTES } from '../core/limits.js';

/** A config that cannot be used; each problem is a `FILE:LINE:COL: message` line. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

export type { Problem };
export { formatConfigProblem };

export interface Located {
  file: string;
  doc: Document;
  lines: LineCounter;
  value: unknown;
  /**
   * Every value that came from `!secret` or `${ENV_VAR}`, and where: never to be echoed in a
   * problem or a log line.
   */
  sensitive: Sensitive;
  /**
   * Problems found while resolving `${ENV_VAR}` and `!secret`; the caller reports them together
   * with its own, so the user sees every problem at once.
   */
  problems: Problem[];
}

/** Parses a YAML file with positions; throws ConfigError for an unreadable file or invalid YAML. */
async function parseFile(file: string, customTags: (typeof secretTag)[] = []): Promise<{ doc: Document; lines: LineCounter; problems: Problem[] }> {
  let text: string;
  let handle;
  try {
    handle = await open(file, 'r');
    const { size } = await handle.stat();
    if (size > MAX_CONFIG_FILE_BYTES) {
      throw new ConfigError([`${file}:1:1: the file has ${size} bytes, over the limit of ${formatBytes(MAX_CONFIG_FILE_BYTES)} for a config file`]);
    }
    text = await handle.readFile('utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new ConfigError([`${file}: cannot read: ${e.code === 'EISDIR' ? 'it is a directory' : e.code === 'ENOENT' ? 'no such file' : e.message}`]);
  } finally {
    await handle?.close();
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, customTags, prettyErrors: false });
  const at = (offset: number, message: string): Problem => ({ file, ...lines.linePos(offset), message });
  const errors = doc.errors.map((e) => at(e.pos[0], yamlErrorMessage(e, 'a config file')));
  if (errors.length) throw new ConfigError(errors.map(formatConfigProblem));
  // An unknown tag is only a warning to the yaml package, but `!secrets x` or `!env X` would
  // otherwise end up as a literal value.
  const problems = doc.warnings
    .filter((w) => w.code === 'TAG_RESOLVE_FAILED')
    .map((w) => {
      const tag = /(![^\s]*)/.exec(w.message)?.[1] ?? '';
      return at(w.pos[0], `unknown tag '${tag}'${didYouMean(tag, customTags.map((t) => t.tag))}`);
    });
  return { doc, lines, problems };
}

/** `secrets.yaml`: a mapping of names to values. A missing file is an empty one. */
export async function readSecrets(file: string): Promise<Record<string, unknown>> {
  const { doc, lines, problems } = await parseFile(file).catch((err) => {
    if (err instanceof ConfigError && /no such file/.test(err.message)) return { doc: undefined, lines: undefined, problems: [] };
    throw err;
  });
  if (!doc) return {};
  if (doc.contents !== null && !isMap(doc.contents)) {
    const pos = lines!.linePos(doc.contents.range?.[0] ?? 0);
    problems.push({ file, ...pos, message: 'expected a mapping of secret names to values' });
  }
  const value = plain(file, doc, lines!, problems);
  if (problems.length) throw new ConfigError(problems.map(formatConfigProblem));
  return (value ?? {}) as Record<string, unknown>;
}

export async function readYamlFile(
  file: string,
  opts: { secrets: () => Promise<Record<string, unknown>>; env: NodeJS.ProcessEnv },
): Promise<Located> {
  const { doc, lines, problems } = await parseFile(file, [secretTag]);
  const secrets = hasSecrets(doc) ? { values: await opts.secrets(), label: 'secrets.yaml' } : undefined;
  const resolved = substitute(doc, lines, file, opts.env, secrets);
  problems.push(...resolved.problems);
  const sensitive = resolved.sensitive;
  const value = plain(file, doc, lines, problems);
  if (problems.some((p) => p.message.includes('alias bomb'))) throw new ConfigError(problems.map(formatConfigProblem));
  return { file, doc, lines, value, problems, sensitive };
}

/** The document as plain data; a conversion failure (an alias bomb) becomes a problem at its place. */
function plain(file: string, doc: Document, lines: LineCounter, problems: Problem[]): unknown {
  const converted = toPlainData(doc);
  if ('value' in converted) return converted.value;
  problems.push({ file, ...lines.linePos(converted.offset ?? 0), message: converted.error });
  return null;
}

/** Position of the node at `path`, or of its nearest existing parent. */
export function positionOf(src: Located, path: (string | number)[]): { line: number; col: number } {
  for (let n = path.length; n >= 0; n--) {
    const node = (n === 0 ? src.doc.contents : src.doc.getIn(path.slice(0, n), true)) as { range?: [number, number, number] } | null | undefined;
    if (node?.range) return src.lines.linePos(node.range[0]);
  }
  return { line: 1, col: 1 };
}

/** Position of the key `key` in the mapping at `path` (the key itself, not its value). */
export function keyPositionOf(src: Located, path: (string | number)[], key: string): { line: number; col: number } {
  const map = path.length ? src.doc.getIn(path, true) : src.doc.contents;
  if (isMap(map)) {
    for (const pair of map.items) {
      if (isPair(pair) && isScalar(pair.key) && String(pair.key.value) === key && pair.key.range) return src.lines.linePos(pair.key.range[0]);
    }
  }
  return positionOf(src, path);
}
